using Nerdbank.Streams;
using StreamJsonRpc;
using Yak.Daemon.Ipc;
using Yak.Protocol;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Daemon.Tests.Hosting;

/// <summary>
/// yakd listens before its sessions resume, and answers nothing until the host has started (the daemon's JsonRpc over
/// the real wire handler, a duplex stream in place of the socket).
/// </summary>
public sealed class StartupGateTests
{
    [Fact]
    public async Task Dispatch_BeforeStart_HeldUntilStarted()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var (clientStream, serverStream) = FullDuplexStream.CreatePair();
        using var server = new DaemonJsonRpc(RpcWire.CreateHandler(serverStream, serverStream), started.Task);
        server.AddLocalRpcMethod(Methods.DaemonHello, new Func<string>(() => Interlocked.Increment(ref calls) > 0 ? "hello" : string.Empty));
        server.StartListening();
        using var client = new JsonRpc(RpcWire.CreateHandler(clientStream, clientStream));
        client.StartListening();

        var hello = client.InvokeWithParameterObjectAsync<string>(Methods.DaemonHello, new { });

        // An unknown method is refused without dispatch; its answer shows the server has read the hello before it.
        await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => client.InvokeWithParameterObjectAsync<string>("daemon/no-such-method", new { }).DefaultTimeout());
        Assert.False(hello.IsCompleted);
        Assert.Equal(0, Volatile.Read(ref calls));

        started.SetResult();
        Assert.Equal("hello", await hello.DefaultTimeout());
        Assert.Equal(1, Volatile.Read(ref calls));
    }
}
