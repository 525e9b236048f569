using k8s;
using k8s.Models;

namespace Yak.Kube.Watching;

/// <summary>
/// One list/watch of one kind in one namespace, shared by every subscriber: list, then watch from the list's
/// resourceVersion; when the server ends a watch, resume from the last version seen; on 410 Gone, after an error, a
/// silent watch or a <see cref="Kick"/>, list afresh (reporting what differs). Failures are retried with capped,
/// jittered back-off and reported as <see cref="InformerUpdate{T}.Problem"/> while the last known items stay.
/// Subscribers get the current set at once and then every change, in order, on the informer's loop: they must be quick.
/// </summary>
public sealed class SharedInformer<T> : IAsyncDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ResourceKind<T> kind;
    private readonly IKubernetes client;
    private readonly InformerOptions options;
    private readonly ResourceSet<T> set = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly List<Subscription> subscribers = [];
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private InformerUpdate<T> current = new([], [], false, null, 0);
    private TaskCompletionSource kick = NewSignal();
    private CancellationTokenSource? currentWatch;
    private Task? loop;
    private long lists;
    private long watchEvents;

    public SharedInformer(ResourceKind<T> kind, IKubernetes client, string ns, InformerOptions? options = null)
    {
        this.kind = kind;
        this.client = client;
        Namespace = ns;
        this.options = options ?? new InformerOptions();
    }

    public string Namespace { get; }

    public ResourceKind<T> Kind => kind;

    /// <summary>The latest update (items, health).</summary>
    public InformerUpdate<T> Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>How many list requests succeeded (the first, then one per relist).</summary>
    public long Lists => Interlocked.Read(ref lists);

    /// <summary>Starts the loop (idempotent).</summary>
    public void Start()
    {
        lock (gate)
        {
            loop ??= Task.Run(() => RunAsync(stop.Token));
        }
    }

    /// <summary>Completes after the first successful list.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => synced.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Calls <paramref name="onUpdate"/> now with the current set (every item as added), then with every update, until
    /// the returned handle is disposed.
    /// </summary>
    public IDisposable Subscribe(Action<InformerUpdate<T>> onUpdate)
    {
        ArgumentNullException.ThrowIfNull(onUpdate);
        var subscription = new Subscription(this, onUpdate);
        InformerUpdate<T> first;
        lock (gate)
        {
            subscribers.Add(subscription);
            first = current with { Changes = [.. current.Items.Select(i => new ResourceChange<T>(ChangeKind.Added, i))] };
        }

        subscription.Deliver(first);
        return subscription;
    }

    /// <summary>Lists afresh now: cuts a back-off wait short and replaces a possibly stale watch.</summary>
    public void Kick()
    {
        lock (gate)
        {
            kick.TrySetResult();
            currentWatch?.Cancel();
        }
    }

    /// <summary>Cancels the loop without waiting for it.</summary>
    public void Stop()
    {
        lock (gate)
        {
            subscribers.Clear();
        }

        stop.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (stop.IsCancellationRequested)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        Task? running;
        lock (gate)
        {
            running = loop;
            subscribers.Clear();
        }

        if (running is not null)
        {
            // Every request inside has a deadline or is cancelled by the token.
            await running.ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var listed = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!listed)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    listed = true;
                    failures = 0;
                }

                var seen = Interlocked.Read(ref watchEvents);
                var outcome = await WatchAsync(cancellationToken).ConfigureAwait(false);
                if (outcome == WatchOutcome.Relist)
                {
                    listed = false;
                }
                else if (Interlocked.Read(ref watchEvents) == seen)
                {
                    // Ended without a single event: never spin on a server that closes watches at once.
                    await WaitBeforeRetryAsync(RetryDelay(failures++), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                listed = false;
                Publish([], KubeErrors.Describe(ex));
                await WaitBeforeRetryAsync(RetryDelay(failures++), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RequestTimeout);
        var (items, version) = await kind.ListAsync(client, Namespace, deadline.Token).ConfigureAwait(false);
        var changes = set.Replace(items, version);
        Interlocked.Increment(ref lists);
        Publish(changes, problem: null, force: true);
        synced.TrySetResult();
    }

    private enum WatchOutcome
    {
        /// <summary>The server ended the watch: resume from the last version.</summary>
        Resume,

        /// <summary>Expired (410), kicked or silent: list afresh.</summary>
        Relist,
    }

    private async Task<WatchOutcome> WatchAsync(CancellationToken cancellationToken)
    {
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var idle = options.WatchTimeout + options.SilenceGrace;
        watch.CancelAfter(idle);
        lock (gate)
        {
            currentWatch = watch;
            kick = NewSignal();
        }

        Exception? failure = null;
        var expired = false;
        try
        {
            var events = kind.WatchAsync(
                client,
                Namespace,
                set.ResourceVersion,
                (int)options.WatchTimeout.TotalSeconds,
                ex =>
                {
                    expired |= ex is KubernetesException { Status.Code: 410 };
                    failure ??= ex;
                    watch.Cancel();
                },
                watch.Token);
            await foreach (var (type, item) in events.ConfigureAwait(false))
            {
                watch.CancelAfter(idle);
                Interlocked.Increment(ref watchEvents);
                if (type == WatchEventKind.Error)
                {
                    // An error event (e.g. 410 Gone sent as a Status in the stream): the version is unusable.
                    return WatchOutcome.Relist;
                }

                if (set.Apply(type, item) is { } change)
                {
                    Publish([change], problem: null);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Kicked, expired, failed (onError) or silent for too long: list afresh (a failing list reports).
            return WatchOutcome.Relist;
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
            return WatchOutcome.Relist;
        }

        if (failure is not null)
        {
            throw failure;
        }

        return WatchOutcome.Resume;
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

    private TimeSpan RetryDelay(int failures)
    {
        var ceiling = Math.Min(options.RetryMaxDelay.TotalMilliseconds, options.RetryInitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 20)));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }

    /// <summary>Sends an update when something changed, the health changed, or a list completed (<paramref name="force"/>).</summary>
    private void Publish(IReadOnlyList<ResourceChange<T>> changes, string? problem, bool force = false)
    {
        InformerUpdate<T> next;
        Subscription[] targets;
        lock (gate)
        {
            if (changes.Count == 0 && !force && problem == current.Problem)
            {
                return;
            }

            next = new InformerUpdate<T>(set.Snapshot(), changes, current.Synced || (problem is null && force), problem, current.Version + 1);
            current = next;
            targets = [.. subscribers];
        }

        foreach (var subscription in targets)
        {
            subscription.Deliver(next);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Delivers updates to one subscriber one at a time, never an older one after a newer one.</summary>
    private sealed class Subscription(SharedInformer<T> owner, Action<InformerUpdate<T>> onUpdate) : IDisposable
    {
        private readonly Lock deliver = new();
        private long delivered = -1;
        private bool disposed;

        public void Deliver(InformerUpdate<T> update)
        {
            lock (deliver)
            {
                if (disposed || update.Version <= delivered)
                {
                    return;
                }

                delivered = update.Version;
                onUpdate(update);
            }
        }

        public void Dispose()
        {
            lock (deliver)
            {
                disposed = true;
            }

            lock (owner.gate)
            {
                owner.subscribers.Remove(this);
            }
        }
    }
}
