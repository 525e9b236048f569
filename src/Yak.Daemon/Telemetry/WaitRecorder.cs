using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Yak.Daemon.Telemetry;

/// <summary>
/// Listens to yakd's ActivitySource: a span carrying <see cref="YakTelemetry.KindTag"/> is a wait, and when it stops
/// it is stored (with the phases that stopped under it) and added to the <c>yak.wait.duration</c> histogram.
/// OTLP export, when configured, listens to the same source on its own.
/// </summary>
internal sealed class WaitRecorder : IDisposable
{
    /// <summary>Waits whose phases are held until they end; a wait that never ends cannot grow this past the bound.</summary>
    private const int MaxOpenWaits = 1000;

    private readonly ActivityListener listener;
    private readonly ConcurrentDictionary<ActivitySpanId, ConcurrentQueue<Activity>> phases = new();
    private readonly WaitStore store;
    private readonly ILogger<WaitRecorder> logger;

    public WaitRecorder(WaitStore store, ILogger<WaitRecorder> logger)
    {
        this.store = store;
        this.logger = logger;
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == YakTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    private void Stopped(Activity activity)
    {
        if (activity.GetTagItem(YakTelemetry.KindTag) is not string kind)
        {
            if (activity.ParentSpanId != default && (phases.Count < MaxOpenWaits || phases.ContainsKey(activity.ParentSpanId)))
            {
                phases.GetOrAdd(activity.ParentSpanId, _ => new ConcurrentQueue<Activity>()).Enqueue(activity);
            }

            return;
        }

        phases.TryRemove(activity.SpanId, out var children);
        var outcome = activity.GetTagItem(YakTelemetry.OutcomeTag) as string ?? "ok";
        var subject = activity.GetTagItem(YakTelemetry.SubjectTag) as string ?? string.Empty;
        var started = new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero);
        var record = new WaitRecord(
            kind,
            subject,
            started,
            activity.Duration.TotalMilliseconds,
            outcome,
            [.. (children ?? []).OrderBy(c => c.StartTimeUtc).Select(c => new WaitPhase(PhaseName(c), (c.StartTimeUtc - activity.StartTimeUtc).TotalMilliseconds, c.Duration.TotalMilliseconds))]);
        YakTelemetry.WaitDuration.Record(activity.Duration.TotalSeconds, new(YakTelemetry.KindTag, kind), new(YakTelemetry.OutcomeTag, outcome));
        TelemetryLog.WaitEnded(logger, kind, subject, Math.Round(record.DurationMs, 1), outcome);
        store.Append(record);
    }

    /// <summary>"yak.env.first_sync" with yak.service=web → "first sync web": what a person reads in <c>yakctl stats</c>.</summary>
    internal static string PhaseName(Activity phase)
    {
        var name = phase.OperationName[(phase.OperationName.LastIndexOf('.') + 1)..].Replace('_', ' ');
        return phase.GetTagItem(YakTelemetry.ServiceTag) is string service ? $"{name} {service}" : name;
    }
}
