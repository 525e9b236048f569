using System.Globalization;

namespace Yak.Benchmarks;

/// <summary>Collects figures and prints them as an aligned table, yak beside its baseline.</summary>
public sealed class BenchmarkReport
{
    private readonly List<(string Suite, string Metric, string Yak, string Baseline, string Target)> rows = [];

    public void Add(string suite, string metric, string yak, string baseline = "", string target = "")
    {
        lock (rows)
        {
            rows.Add((suite, metric, yak, baseline, target));
        }

        Console.WriteLine($"  {suite} | {metric}: {yak}{(baseline.Length > 0 ? $"  (baseline {baseline})" : "")}");
    }

    public void Print(TextWriter writer)
    {
        string[] header = ["suite", "metric", "yak", "baseline", "target"];
        var all = rows.Select(r => new[] { r.Suite, r.Metric, r.Yak, r.Baseline, r.Target }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            writer.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    public static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 30 => (bytes / (double)(1 << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (bytes / (double)(1 << 20)).ToString("0.00", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (bytes / (double)(1 << 10)).ToString("0.00", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    /// <summary>Percentile of an unsorted sample, nearest-rank.</summary>
    public static double Percentile(IReadOnlyList<double> samples, double percentile)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
