using k8s;
using k8s.Models;
using Yak.Kube.Watching;

namespace Yak.Kube.Environments;

/// <summary>
/// Where an environment's rollouts are read from without asking the API each time: the connection's shared
/// informers of its namespace (pods, and Deployments or StatefulSets as its workloads need), leased on first use and
/// let go on dispose. A pass then costs no request; only a stuck pod's explanation reads its logs.
/// </summary>
/// <remarks>
/// A cache can be behind the server: right after an apply it may still hold the workload as it was, whose status
/// would call the old rollout done. <see cref="Fence"/> records the generation each apply wrote; until the cache holds
/// that generation the workload counts as rolling out, and the informer's event wakes the caller. Pods and workloads
/// come through separate watches, so a workload is ready only once the pod cache shows its ready pods too.
/// </remarks>
public sealed class RolloutSource(IKubernetes client, KubeInformers informers, string ns) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, long> fences = new(StringComparer.Ordinal);
    private readonly List<Action> listeners = [];
    private readonly List<IDisposable> subscriptions = [];
    private InformerLease<V1Pod>? pods;
    private InformerLease<V1Deployment>? deployments;
    private InformerLease<V1StatefulSet>? statefulSets;
    private bool disposed;

    public string Namespace { get; } = ns;

    /// <summary>Calls <paramref name="onChange"/> (quickly, on an informer's loop) whenever a pod or workload of the namespace changes.</summary>
    public IDisposable Subscribe(Action onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        lock (gate)
        {
            listeners.Add(onChange);
        }

        EnsurePods();
        return new Unsubscriber(this, onChange);
    }

    /// <summary>Remembers the generation each applied workload reached, so an older cached copy is not taken for it.</summary>
    public void Fence(IEnumerable<AppliedObject> applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        lock (gate)
        {
            foreach (var item in applied.Where(a => a.Generation is not null && a.Kind is "Deployment" or "StatefulSet"))
            {
                fences[$"{item.Kind}/{item.Name}"] = item.Generation!.Value;
            }
        }
    }

    /// <summary>The state of every workload as the caches hold it (waiting for their first list if needed).</summary>
    public async Task<IReadOnlyList<ServiceRollout>> SnapshotAsync(IReadOnlyList<WorkloadRef> workloads, bool explain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        var podSet = await ItemsAsync(EnsurePods(), cancellationToken).ConfigureAwait(false);
        var deploymentSet = workloads.Any(w => w.Kind == WorkloadType.Deployment)
            ? await ItemsAsync(EnsureDeployments(), cancellationToken).ConfigureAwait(false)
            : [];
        var statefulSetSet = workloads.Any(w => w.Kind == WorkloadType.StatefulSet)
            ? await ItemsAsync(EnsureStatefulSets(), cancellationToken).ConfigureAwait(false)
            : [];

        var result = new List<ServiceRollout>();
        foreach (var workload in workloads)
        {
            IKubernetesObject<V1ObjectMeta>? cached = workload.Kind == WorkloadType.StatefulSet
                ? statefulSetSet.FirstOrDefault(s => s.Metadata.Name == workload.Name)
                : deploymentSet.FirstOrDefault(d => d.Metadata.Name == workload.Name);
            long? fence;
            lock (gate)
            {
                fence = fences.TryGetValue($"{workload.Kind}/{workload.Name}", out var f) ? f : null;
            }

            if (cached is null || fence > cached.Metadata.Generation)
            {
                result.Add(cached is null && fence is null ? RolloutWatcher.NotDeployed(workload) : Behind(workload));
                continue;
            }

            var status = cached is V1StatefulSet sts ? WorkloadStatus.Of(sts) : WorkloadStatus.Of((V1Deployment)cached);
            var selector = EqualitySelector.Parse(workload.Selector);
            var matching = podSet.Where(p => selector.Matches(p.Metadata.Labels));
            var rollout = await RolloutWatcher.EvaluateAsync(client, workload, status, matching, explain, cancellationToken).ConfigureAwait(false);

            // The pods come through another watch than the workload: until their cache shows the ready pods the
            // workload counts, what follows them (sync) would see the pods of before.
            result.Add(rollout.State == RolloutState.Ready && rollout.Pods.Count(p => p.Ready && !p.Terminating) < rollout.Desired
                ? rollout with { State = RolloutState.RollingOut, Message = "waiting for the cluster to report the ready pods" }
                : rollout);
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        List<IAsyncDisposable> leases;
        lock (gate)
        {
            disposed = true;
            listeners.Clear();
            subscriptions.ForEach(s => s.Dispose());
            subscriptions.Clear();
            leases = [.. new IAsyncDisposable?[] { pods, deployments, statefulSets }.OfType<IAsyncDisposable>()];
        }

        foreach (var lease in leases)
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ServiceRollout Behind(WorkloadRef workload) =>
        new(workload.Service, RolloutState.RollingOut, 0, 0, "waiting for the cluster to report the new rollout", []);

    /// <summary>The informer's items once it has listed; its problem (the API failing) is this pass's failure.</summary>
    private static async Task<IReadOnlyList<T>> ItemsAsync<T>(SharedInformer<T> informer, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        await informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        var current = informer.Current;
        return current.Problem is { } problem
            ? throw new IOException($"the {informer.Kind} of namespace {informer.Namespace} cannot be watched: {problem}")
            : current.Items;
    }

    private SharedInformer<V1Pod> EnsurePods() => Ensure(ref pods, ResourceKinds.Pods);

    private SharedInformer<V1Deployment> EnsureDeployments() => Ensure(ref deployments, ResourceKinds.Deployments);

    private SharedInformer<V1StatefulSet> EnsureStatefulSets() => Ensure(ref statefulSets, ResourceKinds.StatefulSets);

    private SharedInformer<T> Ensure<T>(ref InformerLease<T>? lease, ResourceKind<T> kind)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (lease is null)
            {
                lease = informers.Acquire(kind, Namespace);
                var first = true;
                subscriptions.Add(lease.Informer.Subscribe(_ =>
                {
                    // The first delivery is the set as it was when subscribing: nothing changed yet.
                    if (!first)
                    {
                        Notify();
                    }

                    first = false;
                }));
            }

            return lease.Informer;
        }
    }

    private void Notify()
    {
        Action[] targets;
        lock (gate)
        {
            targets = [.. listeners];
        }

        foreach (var listener in targets)
        {
            listener();
        }
    }

    private sealed class Unsubscriber(RolloutSource owner, Action listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner.gate)
            {
                owner.listeners.Remove(listener);
            }
        }
    }
}
