using System.Diagnostics;
using Yak.Client;
using Yak.Testing;

namespace Yak.Benchmarks.Restart;

/// <summary>
/// yakd killed with SIGKILL and started again: time until every forward answers on its port, until an edit made while
/// yakd was down is served by the pod (read through a forward), and until the sync session has reconciled (flush
/// done), beside what a person pays by hand: one <c>kubectl port-forward</c> start. <c>YAK_BENCH_BIN=DIR</c> runs the
/// published yakd in DIR (what packaging/build.sh ships) instead of <c>dotnet yakd.dll</c>.
/// </summary>
public sealed class RestartBenchmarks : IBenchmarkSuite
{
    private const int Forwards = ForwardedPod.Forwards;

    private static int Runs => ForwardedPod.Runs;

    public string Name => "restart";

    public string Description => "yakd kill -9 → restart → every forward listening and sync resumed (ms), vs one kubectl port-forward start";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        var forwardsBack = new List<double>();
        var editVisible = new List<double>();
        var syncBack = new List<double>();
        long resent = 0;
        await using (var scene = await ForwardedPod.StartAsync(cancellationToken))
        {
            for (var run = 0; run < Runs; run++)
            {
                await scene.KillDaemonAsync(cancellationToken);
                var edit = $"edit{run}.txt";
                await File.WriteAllTextAsync(Path.Combine(scene.Source, edit), "edited", cancellationToken);
                var clock = Stopwatch.StartNew();
                Console.WriteLine($"  run {run}: start at {DateTime.Now:HH:mm:ss.fff}");
                scene.RestartDaemon();
                var (forwards, edited) = await scene.WaitBackAsync(clock, edit, cancellationToken);
                forwardsBack.Add(forwards);
                editVisible.Add(edited);
                await using var client = await scene.ConnectAsync(cancellationToken);
                var status = await client.FlushSyncAsync("code", cancellationToken);
                syncBack.Add(clock.Elapsed.TotalMilliseconds);
                resent += status.Sum(s => s.FilesSent);
            }

            var kubectl = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                kubectl.Add(await KubectlPortForwardStartAsync(scene.Cluster.Host.KubeconfigPath, cancellationToken));
            }

            report.Add("restart", $"kill -9 → {Forwards} forwards answering p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(forwardsBack, 50)),
                "one kubectl port-forward start " + BenchmarkReport.Ms(BenchmarkReport.Percentile(kubectl, 50)), "≤ 1 s");
            report.Add("restart", $"kill -9 → {Forwards} forwards answering max", BenchmarkReport.Ms(forwardsBack.Max()), "kubectl max " + BenchmarkReport.Ms(kubectl.Max()));
        }

        report.Add("restart", "kill -9 → an edit made while down served by the pod p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(editVisible, 50)), string.Empty, "≤ 1 s");
        report.Add("restart", "kill -9 → an edit made while down served by the pod max", BenchmarkReport.Ms(editVisible.Max()));
        report.Add("restart", $"kill -9 → sync resumed ({ForwardedPod.Files} files, flush done) p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(syncBack, 50)), string.Empty, "≤ 2 s");
        report.Add("restart", "files re-sent by the resumed sync (all runs)", resent.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Empty, "0");
    }

    private static async Task<double> KubectlPortForwardStartAsync(string kubeconfig, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(ProcessRunner.StartInfo("kubectl", ["--kubeconfig", kubeconfig, "port-forward", "deploy/code", ":8080"]))!;
        process.StandardInput.Close();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
            var port = int.Parse(line!.Split(':')[1].Split(' ')[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await ForwardedPod.WaitForHttpAsync(port, cancellationToken);
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken);
        }
    }
}
