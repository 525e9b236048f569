using System.Globalization;

namespace Yak.Benchmarks.FirstSync;

/// <summary>
/// Local first sync beside <c>rsync -a</c> and <c>tar c | tar x</c>, in rounds (<c>YAK_BENCH_ROUNDS</c>): each round
/// runs the three in turn, starting with a different one each round. The volume's speed drifts by 2–6× within the
/// hour, and ext4 allocates inodes slowly for a while after trees are deleted (it skips recently freed ones): a
/// ratio within a round is comparable, one run against another is not, so the figure is the median of the per-round
/// ratios, and every copy stays until the last round is done (deleting a round's copies made the next round 3–6×
/// slower for all three).
/// </summary>
internal static class LocalFirstSync
{
    private const string RsyncName = "rsync -a";
    private const string TarName = "tar c | tar x";

    public static async Task RunAsync(BenchmarkReport report, BenchTree tree, string source, string scratch, CancellationToken cancellationToken)
    {
        await using var yak = await LocalYak.FromEnvironmentAsync(cancellationToken);
        var rounds = new List<Round>();
        var folders = new List<string>();
        try
        {
            await RunRoundsAsync(report, tree, source, scratch, yak, rounds, folders, cancellationToken);
        }
        finally
        {
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        var yakMedian = Median(rounds.Select(r => r.Yak.Elapsed.TotalSeconds));
        report.Add(FirstSyncBenchmarks.Suite, $"local, {tree.Label}, {yak.Build}: median of {rounds.Count} rounds",
            $"{Format(yakMedian)} s ({Ratio(Median(rounds.Select(r => r.VsRsync)))}× {RsyncName}, {Ratio(Median(rounds.Select(r => r.VsTar)))}× tar; medians of the per-round ratios)",
            $"{RsyncName} {Format(Median(rounds.Select(r => r.Rsync.TotalSeconds)))} s, {TarName} {Format(Median(rounds.Select(r => r.Tar.TotalSeconds)))} s",
            "≤ rsync -a");
        report.Add(FirstSyncBenchmarks.Suite, "local: bytes on the wire", BenchmarkReport.Bytes(rounds[^1].Yak.BytesOnWire), string.Empty,
            $"daemon CPU median {Format(Median(rounds.Select(r => r.Yak.DaemonCpu.TotalSeconds)))} s, agent CPU {Format(Median(rounds.Select(r => r.Yak.AgentCpu.TotalSeconds)))} s");
    }

    private static async Task RunRoundsAsync(BenchmarkReport report, BenchTree tree, string source, string scratch, ILocalYak yak, List<Round> rounds, List<string> folders, CancellationToken cancellationToken)
    {
        for (var round = 1; round <= tree.Rounds; round++)
        {
            var folder = Path.Combine(scratch, $"round-{round}");
            Directory.CreateDirectory(folder);
            folders.Add(folder);
            var copies = new[] { "yak", RsyncName, TarName };
            TimeSpan rsync = default, tar = default;
            YakRun? run = null;
            for (var turn = 0; turn < copies.Length; turn++)
            {
                var copy = copies[(turn + round - 1) % copies.Length];
                var target = Path.Combine(folder, copy.Split(' ')[0]);
                await Baselines.SettleDisksAsync();
                switch (copy)
                {
                    case RsyncName:
                        rsync = await Baselines.RsyncAsync(source, target);
                        break;
                    case TarName:
                        tar = await Baselines.TarAsync(source, target);
                        break;
                    default:
                        run = await yak.SyncAsync(source, target, Path.Combine(folder, "state"), round, cancellationToken);
                        break;
                }

                FirstSyncBenchmarks.RequireCopy(source, target);
            }

            var result = new Round(run!, rsync, tar, FirstSyncBenchmarks.Load());
            rounds.Add(result);
            Console.WriteLine($"  round {round}: {result}");
            report.Add(FirstSyncBenchmarks.Suite, $"local, {yak.Build}, round {round}", FirstSyncBenchmarks.Compare(run!.Elapsed, (RsyncName, rsync), (TarName, tar)),
                $"{RsyncName} {FirstSyncBenchmarks.Seconds(rsync)}, {TarName} {FirstSyncBenchmarks.Seconds(tar)}",
                $"daemon CPU {FirstSyncBenchmarks.Seconds(run.DaemonCpu)}, agent CPU {FirstSyncBenchmarks.Seconds(run.AgentCpu)}, load {result.Load}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Format(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture);

    private sealed record Round(YakRun Yak, TimeSpan Rsync, TimeSpan Tar, string Load)
    {
        public double VsRsync => Yak.Elapsed / Rsync;

        public double VsTar => Yak.Elapsed / Tar;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"yak {Yak.Elapsed.TotalSeconds:0.00} s (daemon CPU {Yak.DaemonCpu.TotalSeconds:0.00} s, agent {Yak.AgentCpu.TotalSeconds:0.00} s), {RsyncName} {this.Rsync.TotalSeconds:0.00} s, {TarName} {this.Tar.TotalSeconds:0.00} s: {VsRsync:0.00}× rsync, {VsTar:0.00}× tar, load {Load}");
    }
}
