using Yak.Protocol.Messages;

namespace Yak.Daemon.Telemetry;

/// <summary>Per-kind figures over a window of stored waits (pure: the records and the clock come in).</summary>
internal static class WaitStatistics
{
    public static WaitStatsResponse Summarize(IReadOnlyList<WaitRecord> records, DateTimeOffset since, DateTimeOffset now, int slowest)
    {
        var inWindow = records.Where(r => r.Started >= since && r.Started <= now).ToList();
        var windowStart = inWindow.Count == 0 ? since : new[] { since, inWindow.Min(r => r.Started) }.Max();
        var days = Math.Max(1.0, (now - windowStart).TotalDays);
        var kinds = inWindow
            .GroupBy(r => r.Kind, StringComparer.Ordinal)
            .Select(g =>
            {
                var durations = g.Select(r => r.DurationMs).Order().ToArray();
                return new WaitKindInfo
                {
                    Kind = g.Key,
                    Count = durations.Length,
                    P50Ms = Percentile(durations, 0.50),
                    P90Ms = Percentile(durations, 0.90),
                    MaxMs = durations[^1],
                    MinutesPerDay = durations.Sum() / 60_000.0 / days,
                };
            })
            .OrderByDescending(k => k.MinutesPerDay)
            .ThenBy(k => k.Kind, StringComparer.Ordinal)
            .ToList();
        var top = inWindow
            .OrderByDescending(r => r.DurationMs)
            .Take(Math.Clamp(slowest, 1, 100))
            .Select(r => new WaitRecordInfo
            {
                Kind = r.Kind,
                Subject = r.Subject,
                Started = r.Started,
                DurationMs = r.DurationMs,
                Outcome = r.Outcome,
                Phases = [.. r.Phases.Select(p => new WaitPhaseInfo { Name = p.Name, OffsetMs = p.OffsetMs, DurationMs = p.DurationMs })],
            })
            .ToList();
        return new WaitStatsResponse { Since = since, Kinds = kinds, Slowest = top };
    }

    /// <summary>Nearest-rank percentile of sorted values (what a person reading "p90" expects: 9 of 10 were at most this).</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double fraction)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
