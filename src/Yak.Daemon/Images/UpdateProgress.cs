using System.Globalization;
using k8s;
using k8s.Models;
using Yak.Daemon.Events;
using Yak.Daemon.Telemetry;
using Yak.Kube.Watching;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Images;

/// <summary>
/// Follows the services an update rolls until it answers: the nodes' <c>Pulling</c>/<c>Pulled</c> events for their new
/// images (from the namespace's shared event informer), said as <c>image</c> events, and when each service was ready
/// again after the apply (from the environment's own progress events) — the times the update's answer reports.
/// </summary>
internal sealed class UpdateProgress : IEventSink, IAsyncDisposable
{
    /// <summary>How many pull events one update reports at most (a crash-looping pod repeats its pulls).</summary>
    private const int MaxReported = 1000;

    private static readonly ResourceKind<Corev1Event> Events = new(
        "events",
        async (client, ns, ct) =>
        {
            var list = await client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return (list.Items, list.Metadata?.ResourceVersion ?? string.Empty);
        },
        (client, ns, version, timeout, onError, ct) => WatchStream.WatchAsync<Corev1Event>(
            client, $"api/v1/namespaces/{ns}/events", version, timeout, allowBookmarks: true, onError: onError, cancellationToken: ct));

    private readonly EventHub hub;
    private readonly string environment;
    private readonly IReadOnlyDictionary<string, string> imageByService;
    private readonly DateTimeOffset since;
    private readonly Lock gate = new();
    private readonly HashSet<string> reported = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> pulls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> ready = new(StringComparer.Ordinal);
    private readonly IKubernetes client;
    private readonly string ns;
    private readonly InformerLease<Corev1Event>? lease;
    private readonly IDisposable? subscription;
    private DateTimeOffset? applied;

    /// <param name="imageByService">The image each rolled service's new pods run (as in their pod spec).</param>
    public UpdateProgress(EventHub hub, string environment, IKubernetes client, KubeInformers informers, string ns, IReadOnlyDictionary<string, string> imageByService, DateTimeOffset since)
    {
        this.hub = hub;
        this.environment = environment;
        this.imageByService = imageByService;
        this.since = since;
        this.ns = ns;
        this.client = client;
        hub.Register(this);
        if (imageByService.Count > 0)
        {
            lease = informers.Acquire(Events, ns);
            subscription = lease.Informer.Subscribe(OnEvents);
        }
    }

    public IReadOnlySet<string> Topics { get; } = new HashSet<string>(StringComparer.Ordinal) { EventTopics.Environment };

    /// <summary>Seconds the nodes reported pulling <paramref name="service"/>'s image, and from apply to ready; null when unknown.</summary>
    public (double? Pull, double? Rollout) Times(string service)
    {
        lock (gate)
        {
            double? pull = pulls.TryGetValue(service, out var took) ? took.TotalSeconds : null;
            double? rollout = applied is { } start && ready.TryGetValue(service, out var end) ? (end - start).TotalSeconds : null;
            return (pull, rollout);
        }
    }

    /// <summary>
    /// Reads the namespace's events once more before the update answers: a pull the nodes reported just before the
    /// pods were ready may not have come down the watch yet. Best effort, bounded.
    /// </summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (imageByService.Count == 0)
        {
            return;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var list = await client.CoreV1.ListNamespacedEventAsync(ns, limit: 500, cancellationToken: bounded.Token).ConfigureAwait(false);
            OnEvents(new InformerUpdate<Corev1Event>([], [.. list.Items.Select(e => new ResourceChange<Corev1Event>(ChangeKind.Added, e))], Synced: true, Problem: null, Version: 0));
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // The answer then lacks those pulls' times; nothing else depends on them.
        }
    }

    public void Enqueue(EventNotification notification)
    {
        if (notification.Subject != environment)
        {
            return;
        }

        lock (gate)
        {
            if (EventKinds.EnvApplied.Matches(notification) && applied is null)
            {
                applied = notification.Time;
            }
            else if (applied is not null && EventKinds.EnvProgress.Read(notification) is { State: ServiceState.Ready } progress && imageByService.ContainsKey(progress.Service))
            {
                ready.TryAdd(progress.Service, notification.Time);
            }
        }
    }

    private void OnEvents(InformerUpdate<Corev1Event> update)
    {
        foreach (var change in update.Changes)
        {
            var e = change.Object;
            if (change.Kind == ChangeKind.Deleted || e.Reason is not ("Pulling" or "Pulled") || e.Message is null)
            {
                continue;
            }

            var at = e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp;
            if (at is not { } when || new DateTimeOffset(DateTime.SpecifyKind(when, DateTimeKind.Utc)) < since.AddSeconds(-1))
            {
                continue;
            }

            // The kubelet names the image as the pod spec does: that says whose new pod it is.
            var service = imageByService.FirstOrDefault(s => e.Message.Contains($"\"{s.Value}\"", StringComparison.Ordinal)).Key;
            if (service is null)
            {
                continue;
            }

            var key = $"{e.Metadata.Uid}/{e.Count?.ToString(CultureInfo.InvariantCulture)}";
            lock (gate)
            {
                if (reported.Count >= MaxReported || !reported.Add(key))
                {
                    continue;
                }

                if (e.Reason == "Pulled" && ImagePulls.ParseDuration(e.Message) is { } took)
                {
                    pulls[service] = took;
                }
            }

            hub.Publish(EventKinds.EnvImage, environment, new EnvImageInfo
            {
                Service = service,
                Step = e.Reason == "Pulling" ? ImageStep.Pulling : ImageStep.Pulled,
                Image = imageByService[service],
                Digest = null,
                Message = $"{e.InvolvedObject?.Name}: {e.Message}",
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        hub.Unregister(this);
        subscription?.Dispose();
        if (lease is not null)
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }
}
