using System.Diagnostics;
using Yak.Daemon.Events;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Telemetry;

/// <summary>
/// Times one <c>up</c> or <c>update</c> as the developer waits for it: a span from the request to its answer, with
/// the phases read from the environment's own events (apply, each service's rollout, first sync, ready) and the
/// image pulls the nodes reported. Listening to the hub keeps the supervisor free of timing code.
/// </summary>
internal sealed class EnvironmentWait : IEventSink, IDisposable
{
    private const int MaxEvents = 10_000;

    private readonly EventHub hub;
    private readonly TimeProvider time;
    private readonly string environment;
    private readonly Activity? activity;
    private readonly DateTimeOffset started;
    private readonly Lock gate = new();
    private readonly List<EventNotification> seen = [];
    private readonly List<(string Service, DateTimeOffset Start, DateTimeOffset End)> pulls = [];
    private bool ended;

    private EnvironmentWait(EventHub hub, TimeProvider time, string kind, string environment, DateTimeOffset started)
    {
        this.hub = hub;
        this.time = time;
        this.environment = environment;
        this.started = started;
        activity = YakTelemetry.StartWait(kind, environment, kind == WaitKinds.Up ? "yak.env.up" : "yak.env.update", started);
        activity?.SetTag(YakTelemetry.EnvironmentTag, environment);
        hub.Register(this);
    }

    public IReadOnlySet<string> Topics { get; } = new HashSet<string>(StringComparer.Ordinal) { EventTopics.Environment };

    public DateTimeOffset Started => started;

    public static EnvironmentWait Begin(EventHub hub, TimeProvider time, string kind, string environment, DateTimeOffset started) =>
        new(hub, time, kind, environment, started);

    public void Enqueue(EventNotification notification)
    {
        if (notification.Subject != environment)
        {
            return;
        }

        lock (gate)
        {
            if (!ended && seen.Count < MaxEvents)
            {
                seen.Add(notification);
            }
        }
    }

    public void Cluster(string cluster) => activity?.SetTag(YakTelemetry.ClusterTag, cluster);

    public void AddPulls(IEnumerable<(string Service, DateTimeOffset Start, DateTimeOffset End)> reported)
    {
        lock (gate)
        {
            pulls.AddRange(reported);
        }
    }

    /// <summary>Ends the wait: ok, not-ready (answered before every service was ready), error or cancelled.</summary>
    public void End(string outcome)
    {
        List<EventNotification> events;
        lock (gate)
        {
            if (ended)
            {
                return;
            }

            ended = true;
            events = [.. seen];
        }

        hub.Unregister(this);
        var now = time.GetUtcNow();
        foreach (var (name, service, start, end) in Phases(events, pulls, started, now))
        {
            YakTelemetry.Phase(activity, name, start, end, service is null ? [] : [(YakTelemetry.ServiceTag, service)]);
        }

        activity.End(outcome, now);
    }

    /// <summary>Ends a wait the verb left by an exception before it was watched (a refused port, a lost lock).</summary>
    public void Dispose() => End("error");

    /// <summary>The phases in <paramref name="events"/> (pure, so it is tested without a cluster).</summary>
    internal static List<(string Name, string? Service, DateTimeOffset Start, DateTimeOffset End)> Phases(
        IReadOnlyList<EventNotification> events, IEnumerable<(string Service, DateTimeOffset Start, DateTimeOffset End)> pulls, DateTimeOffset started, DateTimeOffset now)
    {
        var phases = new List<(string, string?, DateTimeOffset, DateTimeOffset)>();
        var images = events.Where(e => EventKinds.EnvImage.Read(e) is { Step: not (ImageStep.Pulling or ImageStep.Pulled) }).ToList();
        if (images.Count > 0)
        {
            // An update asks the registry about every image before it applies anything.
            phases.Add(("yak.env.resolve_images", null, images[0].Time, images[^1].Time));
        }

        var applying = events.FirstOrDefault(EventKinds.EnvApplying.Matches);
        var applied = events.FirstOrDefault(e => EventKinds.EnvApplied.Matches(e) && (applying is null || e.Time >= applying.Time));
        if (applying is not null)
        {
            phases.Add(("yak.env.apply", null, applying.Time, applied?.Time ?? now));
        }

        var rolloutStart = applied?.Time ?? started;
        var services = events.Where(EventKinds.EnvProgress.Matches).Select(e => EventKinds.EnvProgress.Read(e)!.Service).Distinct(StringComparer.Ordinal).ToList();
        foreach (var service in services)
        {
            var ready = events.FirstOrDefault(e => e.Time >= rolloutStart && EventKinds.EnvProgress.Read(e) is { State: ServiceState.Ready } p && p.Service == service);
            phases.Add(("yak.env.rollout", service, rolloutStart, ready?.Time ?? now));
        }

        foreach (var (service, start, end) in pulls)
        {
            phases.Add(("yak.env.image_pull", service, start < started ? started : start, end));
        }

        // The supervisor flushes every session before it says ready: a first sync ends at its own event, else there.
        var readyEvent = events.LastOrDefault(EventKinds.EnvReady.Matches);
        foreach (var sync in events.Where(EventKinds.EnvSyncStarted.Matches))
        {
            var service = EventKinds.EnvSyncStarted.Read(sync)!.Service;
            var done = events.FirstOrDefault(e => e.Time >= sync.Time && EventKinds.EnvInitialSyncDone.Read(e) is { } d && d.Service == service)
                ?? (readyEvent is not null && readyEvent.Time >= sync.Time ? readyEvent : null);
            if (done is not null && !phases.Any(p => p.Item1 == "yak.env.first_sync" && p.Item2 == service))
            {
                phases.Add(("yak.env.first_sync", service, sync.Time, done.Time));
            }
        }

        var lastEnd = phases.Count == 0 ? started : phases.Max(p => p.Item4);
        if (readyEvent is not null && readyEvent.Time >= lastEnd)
        {
            phases.Add(("yak.env.ready", null, lastEnd, readyEvent.Time));
        }

        return [.. phases.OrderBy(p => p.Item3)];
    }
}
