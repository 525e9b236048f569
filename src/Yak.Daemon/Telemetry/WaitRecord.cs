namespace Yak.Daemon.Telemetry;

/// <summary>One finished wait as stored on disk (a line of waits.jsonl).</summary>
internal sealed record WaitRecord(string Kind, string Subject, DateTimeOffset Started, double DurationMs, string Outcome, IReadOnlyList<WaitPhase> Phases);

internal sealed record WaitPhase(string Name, double OffsetMs, double DurationMs);
