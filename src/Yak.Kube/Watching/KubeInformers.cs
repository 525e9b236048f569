using k8s;
using k8s.Models;

namespace Yak.Kube.Watching;

/// <summary>
/// The informers of one cluster connection: one shared list/watch per namespace and kind, started on first use and
/// stopped when the last user lets go. Thread-safe.
/// </summary>
public sealed class KubeInformers(IKubernetes client, InformerOptions? options = null) : IAsyncDisposable
{
    // Watches read their stream through KubeClient's request path (WatchStream): refuse any other client up front.
    private readonly IKubernetes client = client as KubeClient
        ?? throw new ArgumentException($"Informers need a {nameof(KubeClient)} (KubeClientFactory creates one), not a {client.GetType().Name}.", nameof(client));
    private readonly Lock gate = new();
    private readonly Dictionary<(string Kind, string Namespace), Entry> informers = [];
    private bool disposed;

    /// <summary>The shared pod informer of <paramref name="ns"/>; dispose the lease when done with it.</summary>
    public InformerLease<V1Pod> Pods(string ns) => Acquire(ResourceKinds.Pods, ns);

    public InformerLease<T> Acquire<T>(ResourceKind<T> kind, string ns)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(kind);
        SharedInformer<T> informer;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!informers.TryGetValue((kind.Name, ns), out var entry))
            {
                var created = new SharedInformer<T>(kind, client, ns, options);
                entry = new Entry(created, created.Stop, created.Kick);
                informers[(kind.Name, ns)] = entry;
            }

            entry.Users++;
            informer = (SharedInformer<T>)entry.Informer;
        }

        informer.Start();
        return new InformerLease<T>(informer, () => ReleaseAsync(kind.Name, ns));
    }

    /// <summary>How many informers run (one per namespace and kind in use).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return informers.Count;
            }
        }
    }

    /// <summary>Lists every informer afresh now (after a sleep its watch may be dead without a word); see <see cref="SharedInformer{T}.Kick"/>.</summary>
    public void KickAll()
    {
        List<Entry> all;
        lock (gate)
        {
            all = [.. informers.Values];
        }

        foreach (var entry in all)
        {
            entry.Kick();
        }
    }

    /// <summary>Cancels every informer without waiting for its loop (for synchronous owners).</summary>
    public void Stop()
    {
        List<Entry> all;
        lock (gate)
        {
            disposed = true;
            all = [.. informers.Values];
            informers.Clear();
        }

        foreach (var entry in all)
        {
            entry.Stop();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> all;
        lock (gate)
        {
            disposed = true;
            all = [.. informers.Values];
            informers.Clear();
        }

        foreach (var entry in all)
        {
            await entry.Informer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask ReleaseAsync(string kind, string ns)
    {
        Entry? last = null;
        lock (gate)
        {
            if (informers.TryGetValue((kind, ns), out var entry) && --entry.Users == 0)
            {
                informers.Remove((kind, ns));
                last = entry;
            }
        }

        if (last is not null)
        {
            await last.Informer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Entry(IAsyncDisposable informer, Action stop, Action kick)
    {
        public IAsyncDisposable Informer { get; } = informer;

        public void Stop() => stop();

        public void Kick() => kick();

        public int Users { get; set; }
    }
}

/// <summary>A use of a shared informer; disposing it (once) lets go of it.</summary>
public sealed class InformerLease<T>(SharedInformer<T> informer, Func<ValueTask> release) : IAsyncDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private int released;

    public SharedInformer<T> Informer { get; } = informer;

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref released, 1) == 0 ? release() : ValueTask.CompletedTask;
}
