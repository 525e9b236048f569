using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.Kube.Pods;

namespace Yak.Forwarding;

/// <summary>What the tracker knows: the pod to use (if any), and why there is none or why the API is failing.</summary>
internal sealed record TrackerView(V1Pod? Pick, string? Problem, bool ApiFailing)
{
    public static TrackerView Initial { get; } = new(null, "resolving target", false);
}

/// <summary>
/// Keeps the pick fresh for one target: list + watch with resourceVersion, a fresh list on 410 Gone or after any
/// error, reconnects with capped, jittered back-off, and an immediate retry when <see cref="Kick"/> says the API
/// answers again. A watch that goes silent longer than the server's timeout allows is presumed dead (sleep, lost
/// Wi-Fi) and replaced. Every request has a deadline; nothing here ever blocks the forward's listener.
/// </summary>
internal sealed class PodTracker : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly PortForwardOptions options;
    private readonly CancellationTokenSource stop = new();
    private readonly Dictionary<string, V1Pod> pods = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private TaskCompletionSource changed = NewSignal();
    private TaskCompletionSource kick = NewSignal();
    private CancellationTokenSource? currentWatch;
    private TrackerView view = TrackerView.Initial;
    private IntOrString? serviceTargetPort;
    private string? labelSelector;
    private Task? loop;
    private long watchEvents;

    public PodTracker(IKubernetes client, PortForwardOptions options)
    {
        this.client = client;
        this.options = options;
    }

    /// <summary>Raised (on the tracker's loop) whenever <see cref="View"/> changes.</summary>
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

    public void Start() => loop = Task.Run(() => RunAsync(stop.Token));

    /// <summary>
    /// Asks for a fresh list now: the API answered again after failures, or a dial found the picked pod gone.
    /// Cuts a back-off wait short and replaces a possibly stale watch.
    /// </summary>
    public void Kick()
    {
        lock (gate)
        {
            kick.TrySetResult();
            currentWatch?.Cancel();
        }
    }

    /// <summary>The port to dial inside <paramref name="pod"/>: a Service's targetPort (number or container port name), else the remote port.</summary>
    public int RemotePortFor(V1Pod pod)
    {
        var target = serviceTargetPort;
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

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay);
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                    backoff.Reset();
                }

                var seen = watchEvents;
                resourceVersion = await WatchAsync(resourceVersion!, backoff, cancellationToken).ConfigureAwait(false);
                if (watchEvents == seen && resourceVersion is not null)
                {
                    // Ended without a single event: never spin on a server that closes watches at once.
                    await WaitBeforeRetryAsync(backoff.Next(), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                resourceVersion = null;
                Publish(apiError: Describe(ex));
                await WaitBeforeRetryAsync(backoff.Next(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RequestTimeout);
        string? fieldSelector = null;
        switch (options.Target)
        {
            case PodForwardTarget pod:
                fieldSelector = $"metadata.name={pod.Name}";
                break;
            case SelectorForwardTarget selector:
                labelSelector = selector.LabelSelector;
                break;
            case ServiceForwardTarget service:
                var svc = await client.CoreV1.ReadNamespacedServiceAsync(service.Name, service.Namespace, cancellationToken: deadline.Token).ConfigureAwait(false);
                if (svc.Spec?.Selector is not { Count: > 0 } selectorLabels)
                {
                    throw new InvalidOperationException($"service {service.Name} has no selector");
                }

                labelSelector = LabelSelectors.Format(selectorLabels.AsReadOnly());
                serviceTargetPort = svc.Spec.Ports?.FirstOrDefault(p => p.Port == options.RemotePort)?.TargetPort;
                break;
            default:
                throw new NotSupportedException($"unknown target {options.Target}");
        }

        var list = await client.CoreV1.ListNamespacedPodAsync(
            options.Target.Namespace, fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: deadline.Token).ConfigureAwait(false);
        pods.Clear();
        foreach (var pod in list.Items)
        {
            pods[pod.Metadata.Name] = pod;
        }

        Publish(apiError: null);
        return list.Metadata?.ResourceVersion ?? string.Empty;
    }

    /// <summary>Watches from <paramref name="resourceVersion"/>; returns the version to resume from, or null to list again.</summary>
    private async Task<string?> WatchAsync(string resourceVersion, Backoff backoff, CancellationToken cancellationToken)
    {
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var idle = options.WatchTimeout + TimeSpan.FromSeconds(30);
        watch.CancelAfter(idle);
        lock (gate)
        {
            currentWatch = watch;
            kick = NewSignal();
        }

        Exception? failure = null;
        var expired = false;
        var fieldSelector = options.Target is PodForwardTarget pod ? $"metadata.name={pod.Name}" : null;
        try
        {
            var events = client.CoreV1.WatchListNamespacedPodAsync(
                options.Target.Namespace,
                allowWatchBookmarks: true,
                fieldSelector: fieldSelector,
                labelSelector: fieldSelector is null ? labelSelector : null,
                resourceVersion: resourceVersion,
                timeoutSeconds: (int)options.WatchTimeout.TotalSeconds,
                onError: ex =>
                {
                    expired |= ex is KubernetesException { Status.Code: 410 };
                    failure ??= ex;
                    watch.Cancel();
                },
                cancellationToken: watch.Token);
            await foreach (var (type, item) in events.ConfigureAwait(false))
            {
                watch.CancelAfter(idle);
                watchEvents++;
                backoff.Reset();
                resourceVersion = item.Metadata?.ResourceVersion ?? resourceVersion;
                switch (type)
                {
                    case WatchEventType.Added:
                    case WatchEventType.Modified:
                        pods[item.Metadata!.Name] = item;
                        break;
                    case WatchEventType.Deleted:
                        pods.Remove(item.Metadata!.Name);
                        break;
                    default:
                        continue;
                }

                Publish(apiError: null);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Kicked, expired, failed (onError) or silent for too long: list afresh.
            return null;
        }
        finally
        {
            lock (gate)
            {
                currentWatch = null;
            }
        }

        if (expired)
        {
            return null;
        }

        if (failure is not null)
        {
            throw failure;
        }

        // The server ended the watch (timeoutSeconds): resume where we were.
        return resourceVersion;
    }

    private async Task WaitBeforeRetryAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        Task kicked;
        lock (gate)
        {
            kicked = kick.Task;
        }

        await Task.WhenAny(kicked, Task.Delay(delay, cancellationToken)).ConfigureAwait(false);
        lock (gate)
        {
            if (kick.Task.IsCompleted)
            {
                kick = NewSignal();
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Publishes the pick. On API errors the last pick is kept (the pod may well be fine) and the problem reported.</summary>
    private void Publish(string? apiError)
    {
        var pick = PodPicker.Pick(pods.Values, PodPolicy.Ready);
        string? problem;
        if (apiError is not null)
        {
            problem = $"API server: {apiError}";
            lock (gate)
            {
                pick = view.Pick;
            }
        }
        else
        {
            problem = pick is null ? PodPicker.DescribeNone(pods.Values, options.Target.Describe()) : null;
        }

        var next = new TrackerView(pick, problem, apiError is not null);
        TaskCompletionSource signal;
        lock (gate)
        {
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

    private static bool SameView(TrackerView a, TrackerView b) =>
        a.Pick?.Metadata?.Uid == b.Pick?.Metadata?.Uid && a.Problem == b.Problem && a.ApiFailing == b.ApiFailing;

    internal static string Describe(Exception ex) => ex switch
    {
        HttpOperationException http => $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase}: {Truncate(http.Response.Content)}",
        KubernetesException kube => kube.Status?.Message ?? kube.Message,
        OperationCanceledException => "request timed out",
        _ => ex.InnerException is { } inner && ex is HttpRequestException ? $"{ex.Message} ({inner.Message})" : ex.Message,
    };

    private static string Truncate(string? text) => text is null ? string.Empty : text.Length <= 200 ? text : text[..200];

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            // Every request inside has a deadline or is cancelled by the token; bound the wait anyway.
            await Task.WhenAny(loop, Task.Delay(options.CloseTimeout)).ConfigureAwait(false);
        }

        stop.Dispose();
    }
}
