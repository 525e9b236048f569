using System.Diagnostics;
using System.Net.Http.Json;
using Yak.Benchmarks.Sync;
using Yak.Daemon.Sync.Agent;
using Yak.Kube;
using Yak.Sync.Session;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Benchmarks.PodSync;

/// <summary>
/// Save → visible in a pod's volume through the local cluster's API server (exec over WebSocket), unshaped and on the
/// 50 Mbit/s, 30 ms RTT link profile. The first sync beside tar | kubectl exec is the first-sync suite.
/// </summary>
public sealed class PodSyncBenchmarks : IBenchmarkSuite
{
    private const int Files = 5_000;
    private const long Bytes = 50L * 1024 * 1024;
    private const int EditSamples = 30;

    public string Name => "pod-sync";

    public string Description => "save → visible in a pod, unshaped and on 50 Mbit/s / 30 ms RTT";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var yakPod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("yak-target"));
        using var temp = new TempDirectory("yak-podsync-");
        var local = Path.Combine(temp.Path, "src");
        TreeGenerator.Generate(local, Files, Bytes, seed: 5);

        var connector = new PodExecAgentConnector(cluster.Connection, "default", "yak-target", "yak-sync", "/code", new AgentInstaller(AgentBuilds.FromEnvironment()));
        await using var session = new SyncSession(new SyncSessionOptions { Name = "bench", LocalRoot = local, StateDirectory = Path.Combine(temp.Path, "state") }, connector);
        session.Start();
        await session.FlushAsync(cancellationToken);

        var volume = cluster.VolumePath(yakPod, "code");
        var visible = await SaveToVisibleAsync(session, local, volume, cancellationToken);
        report.Add("pod-sync", "save → visible in the pod p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(visible, 50)), string.Empty, "≤ 100 ms");
        report.Add("pod-sync", "save → visible in the pod p99", BenchmarkReport.Ms(BenchmarkReport.Percentile(visible, 99)), string.Empty, "≤ 500 ms");

        using var faults = cluster.Host.Access.CreateHttpClient(timeout: TimeSpan.FromSeconds(30));
        using (var set = await faults.PostAsJsonAsync(new Uri("/local-cluster/faults/link", UriKind.Relative), new { bandwidthBitsPerSecond = 50_000_000, latencyMilliseconds = 15 }, cancellationToken))
        {
            set.EnsureSuccessStatusCode();
        }

        var shaped = await SaveToVisibleAsync(session, local, volume, cancellationToken);
        using (var clear = await faults.DeleteAsync(new Uri("/local-cluster/faults/link", UriKind.Relative), cancellationToken))
        {
            clear.EnsureSuccessStatusCode();
        }

        report.Add("pod-sync", "save → visible in the pod p50, 50 Mbit/s 30 ms RTT", BenchmarkReport.Ms(BenchmarkReport.Percentile(shaped, 50)), "RTT 30 ms", "≤ RTT + 25 ms");
        report.Add("pod-sync", "save → visible in the pod p99, 50 Mbit/s 30 ms RTT", BenchmarkReport.Ms(BenchmarkReport.Percentile(shaped, 99)), "RTT 30 ms", "≤ 3 × RTT");
    }

    /// <summary>Writes a small file and waits for its new content in the pod's volume (watcher-driven, no flush).</summary>
    private static async Task<List<double>> SaveToVisibleAsync(SyncSession session, string local, string volume, CancellationToken cancellationToken)
    {
        await session.FlushAsync(cancellationToken);
        var samples = new List<double>();
        var target = Path.Combine(volume, "edit.txt");
        for (var i = 0; i < EditSamples; i++)
        {
            var content = $"edit {i} {Guid.NewGuid()}";
            var clock = Stopwatch.StartNew();
            await File.WriteAllTextAsync(Path.Combine(local, "edit.txt"), content, cancellationToken);
            while (!(File.Exists(target) && await ReadOrEmptyAsync(target) == content))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException("an edit never reached the pod");
                }

                await Task.Delay(1, cancellationToken);
            }

            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    private static async Task<string> ReadOrEmptyAsync(string path)
    {
        try
        {
            return await File.ReadAllTextAsync(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
