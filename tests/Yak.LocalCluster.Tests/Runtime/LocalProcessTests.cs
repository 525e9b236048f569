using System.Collections.Concurrent;
using System.Text;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Tests.Runtime;

public sealed class LocalProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string> Env = new() { ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

    [Fact]
    public async Task Exited_ReaderStillBehindWhenTheProcessEnds_DeliversTheWholeOutputFirst()
    {
        // The reader is held until the process has ended and the (zero) grace has passed: what a thread pool too busy to
        // run the pipe's reads looks like. No other process holds the pipes, so the tail is certain and must come first.
        var reader = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new ConcurrentQueue<string>();
        var spec = new LaunchSpec(["sh", "-c", "echo first; echo second >&2; i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; echo last"], Env, null);
        using var process = LocalProcess.Start(
            spec,
            tty: false,
            async (stream, data) =>
            {
                await reader.Task.ConfigureAwait(false);
                received.Enqueue(stream + ":" + Encoding.UTF8.GetString(data.Span));
            },
            drainGrace: TimeSpan.Zero);
        process.CloseStdin();
        var exited = process.Exited.ContinueWith(_ => received.Enqueue("<exited>"), TaskScheduler.Default);

        await WaitUntilAsync(() => process.HasExited);
        // Room for a run that would end without its output to do so (the assertion below does not depend on it).
        await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromMilliseconds(300)));
        reader.SetResult();
        await exited.WaitAsync(Bound);

        var order = received.ToArray();
        Assert.Equal("<exited>", order[^1]);
        var stdout = string.Concat(order.Where(o => o.StartsWith("stdout:", StringComparison.Ordinal)).Select(o => o["stdout:".Length..]));
        Assert.StartsWith("first\n", stdout, StringComparison.Ordinal);
        Assert.EndsWith("line-1999\nlast\n", stdout, StringComparison.Ordinal);
        Assert.Contains("stderr:second\n", order);
        Assert.Equal(0, await process.Exited);
    }

    [Fact]
    public async Task Exited_BackgroundChildKeepsThePipesOpen_EndsWithTheProcess()
    {
        var received = new ConcurrentQueue<string>();
        var spec = new LaunchSpec(["sh", "-c", "sleep 300 & echo $!"], Env, null);
        using var process = LocalProcess.Start(
            spec,
            tty: false,
            (_, data) =>
            {
                received.Enqueue(Encoding.UTF8.GetString(data.Span));
                return ValueTask.CompletedTask;
            },
            drainGrace: TimeSpan.Zero);
        process.CloseStdin();
        try
        {
            Assert.Equal(0, await process.Exited.WaitAsync(Bound));
        }
        finally
        {
            await WaitUntilAsync(() => string.Concat(received).Contains('\n', StringComparison.Ordinal));
            var child = int.Parse(string.Concat(received).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            System.Diagnostics.Process.GetProcessById(child).Kill();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (!condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
