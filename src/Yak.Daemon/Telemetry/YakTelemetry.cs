using System.Diagnostics;
using System.Diagnostics.Metrics;
using Yak.Daemon.Hosting;

namespace Yak.Daemon.Telemetry;

/// <summary>
/// yakd's one ActivitySource and Meter, named as OpenTelemetry's conventions ask (lower-case, dotted, units in UCUM).
/// A wait is a span carrying <see cref="KindTag"/>; its phases are child spans; when a wait ends the recorder stores
/// it and adds it to <see cref="WaitDuration"/>.
/// </summary>
internal static class YakTelemetry
{
    public const string Name = "Yak.Daemon";

    public const string KindTag = "yak.wait.kind";
    public const string SubjectTag = "yak.wait.subject";
    public const string OutcomeTag = "yak.wait.outcome";
    public const string EnvironmentTag = "yak.environment";
    public const string ServiceTag = "yak.service";
    public const string ClusterTag = "yak.cluster";

    /// <summary>When this yakd process started: where a reconnect after a restart begins.</summary>
    public static readonly DateTimeOffset ProcessStarted = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    public static readonly ActivitySource Source = new(Name, DaemonInfo.Version);

    public static readonly Meter Meter = new(Name, DaemonInfo.Version);

    /// <summary>How long a developer waited, by <see cref="KindTag"/> and <see cref="OutcomeTag"/>.</summary>
    public static readonly Histogram<double> WaitDuration = Meter.CreateHistogram<double>("yak.wait.duration", "s", "How long a developer waited for yak, by kind of wait.");

    /// <summary>Starts a wait (null when nobody listens, which the recorder always does in yakd).</summary>
    public static Activity? StartWait(string kind, string subject, string operation, DateTimeOffset? started = null)
    {
        var activity = Source.StartActivity(operation, ActivityKind.Internal, parentContext: default, startTime: started ?? default);
        activity?.SetTag(KindTag, kind);
        activity?.SetTag(SubjectTag, subject);
        return activity;
    }

    /// <summary>Ends a wait with its outcome (ok, error, timeout, cancelled).</summary>
    public static void End(this Activity? activity, string outcome, DateTimeOffset? ended = null)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(OutcomeTag, outcome);
        activity.SetStatus(outcome == "ok" ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        if (ended is { } end)
        {
            activity.SetEndTime(end.UtcDateTime);
        }

        activity.Stop();
    }

    /// <summary>A phase of <paramref name="parent"/> that was observed after the fact (from events), with its own times.</summary>
    public static void Phase(Activity? parent, string name, DateTimeOffset start, DateTimeOffset end, params (string Key, string Value)[] tags)
    {
        if (parent is null || end < start)
        {
            return;
        }

        using var phase = Source.StartActivity(name, ActivityKind.Internal, parent.Context, startTime: start);
        if (phase is null)
        {
            return;
        }

        foreach (var (key, value) in tags)
        {
            phase.SetTag(key, value);
        }

        phase.SetEndTime(end.UtcDateTime);
    }

    /// <summary>A wait that was measured elsewhere (e.g. a sync pass's latency): a span with the given start and end.</summary>
    public static void Completed(string kind, string subject, string operation, DateTimeOffset start, DateTimeOffset end, string outcome = "ok")
    {
        var activity = StartWait(kind, subject, operation, start);
        activity.End(outcome, end);
    }
}
