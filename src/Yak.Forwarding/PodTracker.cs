using k8s;
using k8s.Models;
using Yak.Kube;
using Yak.Kube.Pods;
using Yak.Kube.Watching;

namespace Yak.Forwarding;

/// <summary>What the tracker knows: the pod to use (if any), and why there is none or why the API is failing.</summary>
internal sealed record TrackerView(V1Pod? Pick, string? Problem, bool ApiFailing)
{
    public static TrackerView Initial { get; } = new(null, "resolving target", false);
}

/// <summary>
/// Keeps the pick fresh for one target from the namespace's shared pod informer (list + watch with resourceVersion,
/// relist on 410 Gone or after any error, capped jittered back-off, all in <see cref="SharedInformer{T}"/>): the
/// target's pods are the informer's filtered by name or labels. A Service target's selector is read at start and
/// re-read whenever <see cref="Kick"/> says the API answers again. Nothing here ever blocks the forward's listener.
/// </summary>
internal sealed class PodTracker : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly PortForwardOptions options;
    private readonly KubeInformers informers;
    private readonly bool ownsInformers;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private TaskCompletionSource changed = NewSignal();
    private TaskCompletionSource kickService = NewSignal();
    private TrackerView view = TrackerView.Initial;
    private InformerUpdate<V1Pod>? pods;
    private IReadOnlyDictionary<string, string>? serviceSelector;
    private string? serviceError;
    private IntOrString? serviceTargetPort;
    private InformerLease<V1Pod>? lease;
    private IDisposable? subscription;
    private Task? serviceLoop;

    /// <param name="informers">The connection's shared informers; null gives this tracker informers of its own.</param>
    public PodTracker(IKubernetes client, PortForwardOptions options, KubeInformers? informers = null)
    {
        this.client = client;
        this.options = options;
        ownsInformers = informers is null;
        this.informers = informers ?? new KubeInformers(client, new InformerOptions
        {
            RequestTimeout = options.RequestTimeout,
            WatchTimeout = options.WatchTimeout,
            RetryInitialDelay = options.RetryInitialDelay,
            RetryMaxDelay = options.RetryMaxDelay,
        });
    }

    /// <summary>Raised (on the informer's loop) whenever <see cref="View"/> changes.</summary>
    public event Action<TrackerView>? Changed;

    public TrackerView View
    {
        get
        {
            lock (gate)
            {
                return view;
            }
        }
    }

    /// <summary>Completes the next time <see cref="View"/> changes.</summary>
    public Task NextChange
    {
        get
        {
            lock (gate)
            {
                return changed.Task;
            }
        }
    }

    public void Start()
    {
        if (options.Target is ServiceForwardTarget service)
        {
            serviceLoop = Task.Run(() => FollowServiceAsync(service, stop.Token));
        }

        lease = informers.Pods(options.Target.Namespace);
        subscription = lease.Informer.Subscribe(update =>
        {
            lock (gate)
            {
                pods = update;
            }

            Publish();
        });
    }

    /// <summary>
    /// Asks for a fresh list now: the API answered again after failures, or a dial found the picked pod gone.
    /// Cuts a back-off wait short and replaces a possibly stale watch.
    /// </summary>
    public void Kick()
    {
        lease?.Informer.Kick();
        lock (gate)
        {
            kickService.TrySetResult();
        }
    }

    /// <summary>The port to dial inside <paramref name="pod"/>: a Service's targetPort (number or container port name), else the remote port.</summary>
    public int RemotePortFor(V1Pod pod)
    {
        IntOrString? target;
        lock (gate)
        {
            target = serviceTargetPort;
        }

        if (target is null)
        {
            return options.RemotePort;
        }

        var value = target.Value;
        if (int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var named = pod.Spec?.Containers?.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == value);
        return named?.ContainerPort ?? options.RemotePort;
    }

    /// <summary>Reads the Service's selector and target port; again after failures (backing off) and on every kick.</summary>
    private async Task FollowServiceAsync(ServiceForwardTarget service, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay);
        while (!cancellationToken.IsCancellationRequested)
        {
            Task kicked;
            lock (gate)
            {
                kicked = kickService.Task;
            }

            TimeSpan? retry = null;
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(options.RequestTimeout);
                var svc = await client.CoreV1.ReadNamespacedServiceAsync(service.Name, service.Namespace, cancellationToken: deadline.Token).ConfigureAwait(false);
                if (svc.Spec?.Selector is not { Count: > 0 } selector)
                {
                    throw new InvalidOperationException($"service {service.Name} has no selector");
                }

                lock (gate)
                {
                    serviceSelector = selector.AsReadOnly();
                    serviceTargetPort = svc.Spec.Ports?.FirstOrDefault(p => p.Port == options.RemotePort)?.TargetPort;
                    serviceError = null;
                }

                backoff.Reset();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                lock (gate)
                {
                    serviceError = KubeErrors.Describe(ex);
                }

                retry = backoff.Next();
            }

            Publish();
            var wait = retry is { } delay ? Task.Delay(delay, options.Time, cancellationToken) : Task.Delay(Timeout.Infinite, cancellationToken);
            await Task.WhenAny(kicked, wait).ConfigureAwait(false);
            lock (gate)
            {
                if (kickService.Task.IsCompleted)
                {
                    kickService = NewSignal();
                }
            }
        }
    }

    /// <summary>Publishes the pick. On API errors the last pick is kept (the pod may well be fine) and the problem reported.</summary>
    private void Publish()
    {
        TrackerView next;
        TaskCompletionSource signal;
        lock (gate)
        {
            if (pods is not { } update || (options.Target is ServiceForwardTarget && serviceSelector is null && serviceError is null))
            {
                return; // nothing known yet: stays "resolving target"
            }

            if (!update.Synced && update.Problem is null && serviceError is null)
            {
                return; // the first list has not answered yet
            }

            var apiError = serviceError ?? update.Problem;
            if (apiError is not null)
            {
                next = new TrackerView(view.Pick, $"API server: {apiError}", true);
            }
            else
            {
                var candidates = update.Items.Where(Matches).ToList();
                var pick = PodPicker.Pick(candidates, PodPolicy.Ready);
                next = new TrackerView(pick, pick is null ? PodPicker.DescribeNone(candidates, options.Target.Describe()) : null, false);
            }

            if (SameView(view, next))
            {
                return;
            }

            view = next;
            signal = changed;
            changed = NewSignal();
        }

        signal.TrySetResult();
        Changed?.Invoke(next);
    }

    /// <summary>Whether a pod of the namespace belongs to the target (called under the lock).</summary>
    private bool Matches(V1Pod pod) => options.Target switch
    {
        PodForwardTarget target => pod.Metadata?.Name == target.Name,
        SelectorForwardTarget target => HasLabels(pod, target.MatchLabels),
        ServiceForwardTarget => serviceSelector is { } selector && HasLabels(pod, selector),
        _ => false,
    };

    private static bool HasLabels(V1Pod pod, IReadOnlyDictionary<string, string> wanted) =>
        wanted.All(l => pod.Metadata?.Labels is { } labels && labels.TryGetValue(l.Key, out var value) && value == l.Value);

    private static bool SameView(TrackerView a, TrackerView b) =>
        a.Pick?.Metadata?.Uid == b.Pick?.Metadata?.Uid && a.Problem == b.Problem && a.ApiFailing == b.ApiFailing;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        subscription?.Dispose();
        if (serviceLoop is not null)
        {
            await Task.WhenAny(serviceLoop, Task.Delay(options.CloseTimeout)).ConfigureAwait(false);
        }

        if (lease is not null)
        {
            // Every request inside has a deadline or is cancelled; bound the wait anyway.
            await Task.WhenAny(lease.DisposeAsync().AsTask(), Task.Delay(options.CloseTimeout)).ConfigureAwait(false);
        }

        if (ownsInformers)
        {
            await Task.WhenAny(informers.DisposeAsync().AsTask(), Task.Delay(options.CloseTimeout)).ConfigureAwait(false);
        }

        stop.Dispose();
    }
}
