using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using k8s;
using Yak.Benchmarks.Sync;
using Yak.Daemon.Sync.Agent;
using Yak.Sync.Link;
using Yak.Sync.Session;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Benchmarks.FirstSync;

/// <summary>
/// The first sync of a source-like tree beside the fastest ways to copy it without yak, in the same run on the same
/// tree: locally <c>rsync -a</c> and <c>tar c | tar x</c>; into a pod through the local cluster <c>tar c | kubectl exec
/// -i … tar x</c> (what <c>kubectl cp</c> does) and the same with <c>gzip -1</c> on both ends, on each link profile.
/// Tree size and links: see <see cref="BenchTree"/>.
/// </summary>
public sealed class FirstSyncBenchmarks : IBenchmarkSuite
{
    internal const string Suite = "first-sync";

    public string Name => Suite;

    public string Description => "first sync (20k files / 200 MB; YAK_BENCH_FILES, YAK_BENCH_MB, YAK_BENCH_TREE, YAK_BENCH_LINKS, YAK_BENCH_ROUNDS, YAK_BENCH_BIN) vs rsync -a, tar | tar, tar | kubectl exec";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        using var temp = new TempDirectory("yak-first-");
        var source = Path.Combine(temp.Path, "src");
        Directory.CreateDirectory(source);
        var tree = BenchTree.FromEnvironment().Create(source);
        Console.WriteLine($"  tree: {tree.Label}: {tree.Files} files, {BenchmarkReport.Bytes(tree.Bytes)} in {source}");

        await LocalFirstSync.RunAsync(report, tree, source, temp.Path, cancellationToken);
        if (tree.Links.Count > 0)
        {
            await IntoPodAsync(report, tree, source, temp.Path, cancellationToken);
        }
    }

    private static async Task IntoPodAsync(BenchmarkReport report, BenchTree tree, string source, string scratch, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        using var faults = cluster.Host.Access.CreateHttpClient(timeout: TimeSpan.FromSeconds(30));
        var installer = new AgentInstaller(AgentBuilds.FromEnvironment());
        var kubeconfig = cluster.Host.KubeconfigPath;
        var round = 0;
        foreach (var link in tree.Links)
        {
            round++;
            var yakPod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod($"yak-{round}"));
            var tarPod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod($"tar-{round}"));
            var gzipPod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod($"gzip-{round}"));

            // Delivering the agent is a once-per-pod cost (a prebuilt sidecar image skips it): not part of the sync.
            var delivery = Stopwatch.StartNew();
            await installer.EnsureAsync(cluster.Connection, "default", yakPod.Metadata.Name, "yak-sync", cancellationToken);
            var delivered = delivery.Elapsed;

            await SetLinkAsync(faults, link);
            try
            {
                await Baselines.SettleDisksAsync();
                var tar = await Baselines.TarIntoPodAsync(source, kubeconfig, tarPod.Metadata.Name, "yak-sync");
                await Baselines.SettleDisksAsync();
                var gzip = await Baselines.TarGzipIntoPodAsync(source, kubeconfig, gzipPod.Metadata.Name, "yak-sync");
                await Baselines.SettleDisksAsync();
                var connector = new PodExecAgentConnector(cluster.Connection, "default", yakPod.Metadata.Name, "yak-sync", "/code", installer);
                var clock = Stopwatch.StartNew();
                long wire;
                TimeSpan yak;
                await using (var session = new SyncSession(new SyncSessionOptions { Name = "bench", LocalRoot = source, StateDirectory = Path.Combine(scratch, $"state-pod-{round}") }, connector))
                {
                    session.Start();
                    await Timeline.FollowAsync(session, session.FlushAsync(cancellationToken));
                    yak = clock.Elapsed;
                    wire = session.GetStatus().BytesOnWire;
                }

                RequireCopy(source, cluster.VolumePath(yakPod, "code"));
                RequireCopy(source, cluster.VolumePath(tarPod, "code"));
                RequireCopy(source, cluster.VolumePath(gzipPod, "code"));

                var faster = tar < gzip ? tar : gzip;
                var target = link.BitsPerSecond is null ? "≤ tar | kubectl exec" : $"≤ 0.6 × faster tar = {Seconds(faster * 0.6)}";
                report.Add(Suite, $"into a pod, {tree.Label}, {link.Description}", Compare(yak, ("tar", tar), ("tar+gzip -1", gzip)),
                    $"tar | kubectl exec {Seconds(tar)}, tar | gzip -1 | kubectl exec {Seconds(gzip)}", target);
                report.Add(Suite, $"into a pod, {tree.Label}, {link.Description}: bytes on the wire", BenchmarkReport.Bytes(wire), string.Empty, $"agent delivery before it {Seconds(delivered)}");
            }
            finally
            {
                await ClearLinkAsync(faults);
            }

            foreach (var pod in new[] { yakPod, tarPod, gzipPod })
            {
                await cluster.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, "default", gracePeriodSeconds: 0, cancellationToken: cancellationToken);
            }
        }
    }

    /// <summary>The 1-minute load average: on a shared machine the figures mean little without it.</summary>
    internal static string Load() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>"12.3 s (1.45× rsync -a)": yak's time and its ratio to the fastest baseline.</summary>
    internal static string Compare(TimeSpan yak, params (string Name, TimeSpan Time)[] baselines)
    {
        var best = baselines.MinBy(b => b.Time);
        return $"{Seconds(yak)} ({(yak / best.Time).ToString("0.00", CultureInfo.InvariantCulture)}× {best.Name})";
    }

    internal static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    /// <summary>A baseline that copied nothing would win every race: each copy must hold as many files as the source.</summary>
    internal static void RequireCopy(string source, string copy)
    {
        var expected = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Count();
        var actual = Directory.Exists(copy) ? Directory.EnumerateFiles(copy, "*", SearchOption.AllDirectories).Count() : 0;
        if (actual != expected)
        {
            throw new InvalidOperationException($"{copy} holds {actual} files, the source {expected}");
        }
    }

    private static async Task SetLinkAsync(HttpClient faults, BenchLink link)
    {
        if (link.BitsPerSecond is not { } bits)
        {
            return;
        }

        using var response = await faults.PostAsJsonAsync(new Uri("/local-cluster/faults/link", UriKind.Relative),
            new { bandwidthBitsPerSecond = bits, latencyMilliseconds = link.OneWayMilliseconds });
        response.EnsureSuccessStatusCode();
    }

    private static async Task ClearLinkAsync(HttpClient faults)
    {
        using var response = await faults.DeleteAsync(new Uri("/local-cluster/faults/link", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }
}
