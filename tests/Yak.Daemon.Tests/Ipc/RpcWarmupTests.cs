using Yak.Daemon.Ipc;

namespace Yak.Daemon.Tests.Ipc;

public sealed class RpcWarmupTests
{
    [Fact]
    public async Task RunAsync_HelloOverInMemoryPipe_AnswerHasResult()
    {
        Assert.True(await RpcWarmup.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task RunAsync_Cancelled_ReturnsFalseWithoutThrowing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.False(await RpcWarmup.RunAsync(cancelled.Token).WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
