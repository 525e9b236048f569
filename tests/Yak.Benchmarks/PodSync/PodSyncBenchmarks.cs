using System.Diagnostics;
using Yak.Benchmarks.Sync;
using Yak.Daemon.Sync.Agent;
using Yak.Kube;
using Yak.Sync.Session;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Benchmarks.PodSync;

/// <summary>
/// Sync into a pod's sidecar through the local cluster's API server (exec over WebSocket), beside the baseline a
/// person would use through the same server: <c>tar cz | kubectl exec -i POD -c yak-sync -- tar xz</c>.
/// </summary>
public sealed class PodSyncBenchmarks : IBenchmarkSuite
{
    private const int Files = 5_000;
    private const long Bytes = 50L * 1024 * 1024;
    private const int EditSamples = 30;

    public string Name => "pod-sync";

    public string Description => $"first sync of {Files} files / {Bytes >> 20} MB into a pod vs tar | kubectl exec; save → visible in the pod";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var yakPod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("yak-target"));
        await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("tar-target"));
        using var temp = new TempDirectory("yak-podsync-");
        var local = Path.Combine(temp.Path, "src");
        TreeGenerator.Generate(local, Files, Bytes, seed: 5);

        var connector = new PodExecAgentConnector(cluster.Connection, "default", "yak-target", "yak-sync", "/code", new AgentInstaller(AgentBuilds.FromEnvironment()));
        await using var session = new SyncSession(new SyncSessionOptions { Name = "bench", LocalRoot = local, StateDirectory = Path.Combine(temp.Path, "state") }, connector);
        var clock = Stopwatch.StartNew();
        session.Start();
        await session.FlushAsync(cancellationToken);
        var yak = clock.Elapsed;
        var wire = session.GetStatus().BytesOnWire;

        clock.Restart();
        var tar = await ProcessRunner.RunAsync(
            ProcessRunner.StartInfo("bash", ["-c", "set -o pipefail; tar czf - -C \"$1\" . | kubectl --kubeconfig \"$2\" exec -i tar-target -c yak-sync -- tar xzf - -C /code", "bench", local, cluster.Host.KubeconfigPath]),
            TimeSpan.FromMinutes(10));
        var tarTime = clock.Elapsed;
        if (tar.ExitCode != 0)
        {
            throw new InvalidOperationException($"tar | kubectl exec failed: {tar}");
        }

        var visible = await SaveToVisibleAsync(session, local, cluster.VolumePath(yakPod, "code"), cancellationToken);
        report.Add("pod-sync", $"first sync {Files} files / {Bytes >> 20} MB", BenchmarkReport.Ms(yak.TotalMilliseconds), "tar cz | kubectl exec tar xz " + BenchmarkReport.Ms(tarTime.TotalMilliseconds), "faster than tar");
        report.Add("pod-sync", "first sync bytes on the wire", BenchmarkReport.Bytes(wire));
        report.Add("pod-sync", "save → visible in the pod p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(visible, 50)), string.Empty, "≤ 100 ms");
        report.Add("pod-sync", "save → visible in the pod p99", BenchmarkReport.Ms(BenchmarkReport.Percentile(visible, 99)), string.Empty, "≤ 500 ms");
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
