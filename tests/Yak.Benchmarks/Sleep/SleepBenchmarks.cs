using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Yak.Benchmarks.Restart;

namespace Yak.Benchmarks.Sleep;

/// <summary>
/// A laptop's sleep: yakd stopped (SIGSTOP) while the local cluster drops every watch and stream it served, an edit
/// made meanwhile, then yakd resumed (SIGCONT): time from the wake until every forward answers and the pod serves the
/// edit, p50 of 10. <c>YAK_BENCH_SLEEP_SECONDS</c> (default 60) is how long it sleeps; a few seconds are enough to
/// iterate. <c>YAK_BENCH_BIN=DIR</c> runs the published yakd in DIR.
/// </summary>
public sealed class SleepBenchmarks : IBenchmarkSuite
{
    private static int Runs => ForwardedPod.Runs;

    private const int SigCont = 18;
    private const int SigStop = 19;

    public string Name => "sleep";

    public string Description => "yakd stopped 60 s while the cluster drops its streams → every forward answering and an edit visible after the wake (ms)";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("YAK_BENCH_SLEEP_SECONDS"), CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 60;
        Console.WriteLine($"  sleep: {seconds} s a run, {Runs} runs");
        var forwardsBack = new List<double>();
        var editVisible = new List<double>();
        var dropped = (Watches: 0L, Streams: 0L);
        await using (var scene = await ForwardedPod.StartAsync(cancellationToken))
        {
            using var faults = scene.Cluster.Host.Access.CreateHttpClient(timeout: TimeSpan.FromSeconds(30));
            for (var run = 0; run < Runs; run++)
            {
                // Every forward has a live stream before the sleep, as in a day's use.
                await Task.WhenAll(scene.Ports.Select(p => ForwardedPod.WaitForHttpAsync(p, cancellationToken)));
                Signal(scene.Daemon.Id, SigStop);
                using (var response = await faults.PostAsync(new Uri("/local-cluster/faults/drop-streams", UriKind.Relative), null, cancellationToken))
                {
                    response.EnsureSuccessStatusCode();
                    using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    dropped.Watches += body.RootElement.GetProperty("watches").GetInt32();
                    dropped.Streams += body.RootElement.GetProperty("streams").GetInt32();
                }

                await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
                var edit = $"slept{run}.txt";
                await File.WriteAllTextAsync(Path.Combine(scene.Source, edit), "edited while asleep", cancellationToken);
                var clock = Stopwatch.StartNew();
                Console.WriteLine($"  run {run}: SIGCONT at {DateTime.Now:HH:mm:ss.fff}");
                Signal(scene.Daemon.Id, SigCont);
                var (forwards, edited) = await scene.WaitBackAsync(clock, edit, cancellationToken);
                forwardsBack.Add(forwards);
                editVisible.Add(edited);
            }
        }

        report.Add("sleep", $"wake after {seconds} s → {ForwardedPod.Forwards} forwards answering p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(forwardsBack, 50)),
            $"{dropped.Watches} watches, {dropped.Streams} streams dropped in all", "≤ 1 s");
        report.Add("sleep", $"wake after {seconds} s → {ForwardedPod.Forwards} forwards answering max", BenchmarkReport.Ms(forwardsBack.Max()));
        report.Add("sleep", $"wake after {seconds} s → an edit made while asleep served by the pod p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(editVisible, 50)), string.Empty, "≤ 1 s");
        report.Add("sleep", $"wake after {seconds} s → an edit made while asleep served by the pod max", BenchmarkReport.Ms(editVisible.Max()));
    }

    private static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
