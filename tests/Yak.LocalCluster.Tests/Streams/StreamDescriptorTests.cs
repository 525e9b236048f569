using System.Diagnostics;
using System.Runtime;
using System.Text;
using k8s;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>
/// Finished streams give their file descriptors back: the node serves hundreds of environments from one process
/// under one RLIMIT_NOFILE, so an exec or port-forward that left a pipe or socket behind would end it in time. The
/// client and the node share this process, so /proc/self/fd counts both sides (alone: no other test runs meanwhile).
/// </summary>
[Collection(nameof(StreamDescriptorTests))]
public sealed class StreamDescriptorTests
{
    private const int Rounds = 20;
    private const long NoGcBytes = 200L * 1024 * 1024;

    [Fact]
    public Task FinishedExecs_DescriptorsBackToBaseline() => BackToBaselineAsync("execs", ExecOnceAsync);

    [Fact]
    public Task FinishedPortForwards_DescriptorsBackToBaseline() => BackToBaselineAsync("port-forwards", ForwardOnceAsync);

    private static async Task BackToBaselineAsync(string what, Func<StreamTestHost, Task> once)
    {
        await using var host = await StreamTestHost.StartAsync();
        // Ready once httpd listens: without a probe a pod is ready when its process starts, before the port is bound.
        var web = TestPods.Shell("web", "exec busybox httpd -f -p 127.0.0.1:8080 -h /");
        web.ReadinessProbe = new k8s.Models.V1Probe { TcpSocket = new k8s.Models.V1TCPSocketAction { Port = 8080 }, PeriodSeconds = 1 };
        await host.RunReadyAsync(TestPods.Pod("fd-web", web));

        // One first: what a first stream creates once (the HTTP handler, thread-pool sockets) is not a leak.
        await once(host);
        var before = Describe();
        var baseline = await SettledCountAsync(baseline: null);

        // No collection while the streams run and finish: a descriptor closed only by a finalizer counts as leaked.
        var noGc = GC.TryStartNoGCRegion(NoGcBytes);
        int after;
        string detail;
        bool collected;
        try
        {
            for (var i = 0; i < Rounds; i++)
            {
                await once(host);
            }

            after = await SettledCountAsync(baseline);
            detail = Describe();
        }
        finally
        {
            collected = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion;
            if (!collected)
            {
                GC.EndNoGCRegion();
            }
        }

        Assert.True(noGc && !collected, $"a collection ran during the {what}: {NoGcBytes} bytes are not enough");
        Assert.True(after <= baseline, $"{Rounds} {what} later {after - baseline} more descriptors are open than before ({baseline} → {after}); before: {before}; after: {detail}");
    }

    /// <summary>
    /// Over the exec WebSocket, disposed here: KubernetesClient's NamespacedPodExecAsync leaves its socket to the
    /// finalizer (one per exec; seen with this test), which is the client's leak, not the node's.
    /// </summary>
    private static async Task ExecOnceAsync(StreamTestHost host)
    {
        using var socket = await host.Client.WebSocketNamespacedPodExecAsync("fd-web", "default", ["sh", "-c", "echo done"], "web", stderr: true, stdin: false, stdout: true, tty: false).DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket);
        demuxer.Start();
        using var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        using var status = demuxer.GetStream(ChannelIndex.Error, null);
        var text = await ExecTests.ReadUntilAsync(stdout, "done\n");
        var exit = await ExecTests.ReadUntilAsync(status, "Success");
        Assert.Equal("done\n", text);
        Assert.Contains("Success", exit, StringComparison.Ordinal);
    }

    private static async Task ForwardOnceAsync(StreamTestHost host)
    {
        using var socket = await host.Client.WebSocketNamespacedPodPortForwardAsync("fd-web", "default", [8080], "v4.channel.k8s.io").DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket, StreamType.PortForward);
        demuxer.Start();
        using var stream = demuxer.GetStream((byte?)0, (byte?)0);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /no-such-file HTTP/1.0\r\n\r\n")).DefaultTimeout();
        var text = await ExecTests.ReadUntilAsync(stream, "HTTP/1.");
        Assert.Contains("404", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The count once the node has finished closing what the last streams used (its close handshakes run after the
    /// client sees the end): with a baseline, as soon as the count is back to it, else when it stops falling.
    /// </summary>
    private static async Task<int> SettledCountAsync(int? baseline)
    {
        var clock = Stopwatch.StartNew();
        var last = Count();
        var steady = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
            var now = Count();
            if (baseline is { } b && now <= b)
            {
                return now;
            }

            steady = now >= last ? steady + 1 : 0;
            last = now;
            if (baseline is null && steady >= 20)
            {
                return now;
            }
        }

        return last;
    }

    /// <summary>Sockets, pipes and anonymous inodes: what streams hold (assemblies a late code path loads are files, not counted).</summary>
    private static int Count() => Directory.EnumerateFileSystemEntries("/proc/self/fd")
        .Select(f => new FileInfo(f).LinkTarget ?? string.Empty)
        .Count(t => t.StartsWith("socket:", StringComparison.Ordinal) || t.StartsWith("pipe:", StringComparison.Ordinal) || t.StartsWith("anon_inode:", StringComparison.Ordinal));

    /// <summary>Open descriptors by kind (socket, pipe, anon_inode, or the file's path), those held more than twice.</summary>
    private static string Describe() =>
        string.Join(", ", Directory.EnumerateFileSystemEntries("/proc/self/fd")
            .Select(f => new FileInfo(f).LinkTarget ?? "?")
            .Select(t => t.Split(':')[0])
            .GroupBy(t => t)
            .Where(g => g.Count() > 2)
            .Select(g => $"{g.Key} ×{g.Count()}"));
}

/// <summary>The descriptor count is the whole process's: nothing else may run while it is taken.</summary>
[CollectionDefinition(nameof(StreamDescriptorTests), DisableParallelization = true)]
public sealed class StreamDescriptorCollection;
