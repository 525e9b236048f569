using System.Globalization;
using Yak.Protocol.Messages;

namespace Yak.Cli.Output;

/// <summary>Human rendering of <c>stats/waits</c>: a table per kind, then the slowest operations and where their time went.</summary>
internal static class StatsText
{
    public static void Write(TextWriter writer, WaitStatsResponse stats)
    {
        if (stats.Kinds.Count == 0)
        {
            writer.WriteLine($"No waits recorded since {stats.Since.ToLocalTime():yyyy-MM-dd HH:mm}.");
            return;
        }

        writer.WriteLine($"Waits since {stats.Since.ToLocalTime():yyyy-MM-dd HH:mm}:");
        var rows = stats.Kinds.Select(k => new[]
        {
            k.Kind, k.Count.ToString(CultureInfo.InvariantCulture), Ms(k.P50Ms), Ms(k.P90Ms), Ms(k.MaxMs), k.MinutesPerDay.ToString("0.0", CultureInfo.InvariantCulture),
        }).ToList();
        Table(writer, ["KIND", "COUNT", "P50", "P90", "MAX", "MIN/DAY"], rows);
        if (stats.Slowest.Count == 0)
        {
            return;
        }

        writer.WriteLine();
        writer.WriteLine("Slowest:");
        foreach (var wait in stats.Slowest)
        {
            writer.WriteLine($"  {wait.Started.ToLocalTime():MM-dd HH:mm}  {wait.Kind} {wait.Subject}  {Ms(wait.DurationMs)}{(wait.Outcome == "ok" ? string.Empty : $" ({wait.Outcome})")}");
            foreach (var phase in wait.Phases)
            {
                writer.WriteLine($"      +{Ms(phase.OffsetMs),-7} {phase.Name}  {Ms(phase.DurationMs)}");
            }
        }
    }

    /// <summary>"30m", "24h", "7d", "90s" (or a bare number of days) as a duration; null when it is none of those.</summary>
    public static TimeSpan? ParseWindow(string text)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        var unit = char.IsLetter(text[^1]) ? text[^1] : 'd';
        var number = char.IsLetter(text[^1]) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 3650)
        {
            return null;
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            'w' => TimeSpan.FromDays(7 * value),
            _ => null,
        };
    }

    /// <summary>Milliseconds as a person reads them: 840 ms, 3.2 s, 2m05s.</summary>
    public static string Ms(double ms) => ms switch
    {
        < 1000 => $"{ms.ToString("0", CultureInfo.InvariantCulture)} ms",
        < 60_000 => $"{(ms / 1000).ToString("0.0", CultureInfo.InvariantCulture)} s",
        _ => $"{(int)(ms / 60_000)}m{((int)(ms / 1000 % 60)).ToString("00", CultureInfo.InvariantCulture)}s",
    };

    private static void Table(TextWriter writer, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            writer.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
