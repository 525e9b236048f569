using Yak.Environments.Manifests;
using Yak.Environments.Spec;
using Yak.Kube;
using Yak.Kube.Environments;

namespace Yak.Daemon.Environments;

/// <summary>
/// The live side of one environment: its cluster connection (the daemon's, shared), the spec and manifests last
/// built, a lock that orders up/update/down, its supervisor (at most one) and the cache its rollouts are read from
/// while supervised.
/// </summary>
internal sealed class EnvironmentRuntime(string name, string kubeconfig, string context, KubeConnection connection) : IAsyncDisposable
{
    private readonly SemaphoreSlim operation = new(1, 1);
    private readonly Lock gate = new();
    private EnvironmentSupervisor? supervisor;
    private RolloutSource? rollouts;

    public string Name { get; } = name;

    public KubeConnection Connection { get; } = connection;

    public EnvironmentSpec? Spec { get; set; }

    public EnvironmentManifests? Manifests { get; set; }

    /// <summary>The rollout cache while the environment is supervised, else null.</summary>
    public RolloutSource? ActiveRollouts
    {
        get
        {
            lock (gate)
            {
                return rollouts;
            }
        }
    }

    /// <summary>The rollout cache of <paramref name="ns"/> (the shared informers of the connection), opened on first use.</summary>
    public RolloutSource Rollouts(string ns)
    {
        lock (gate)
        {
            return rollouts is { } open && open.Namespace == ns ? open : rollouts = new RolloutSource(Connection.Client, Connection.Informers, ns);
        }
    }

    public bool Matches(EnvironmentRecord record) => record.Kubeconfig == kubeconfig && record.Context == context;

    public async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken)
    {
        await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(operation);
    }

    public IReadOnlyList<WorkloadRef> Workloads()
    {
        var manifests = Manifests;
        return [.. (manifests?.Services ?? []).Select(s => new WorkloadRef(
            s.Name,
            s.Kind == WorkloadKind.StatefulSet ? WorkloadType.StatefulSet : WorkloadType.Deployment,
            manifests!.NamespaceName,
            s.WorkloadName,
            EnvironmentNames.SelectorText(s.Selector),
            s.AppContainer))];
    }

    /// <summary>Rollouts as the supervisor counts them: held-back services and completed ones said so (<see cref="DependencyGate"/>).</summary>
    public IReadOnlyList<ServiceRollout> Explain(IReadOnlyList<ServiceRollout> rollouts)
    {
        EnvironmentSupervisor? running;
        lock (gate)
        {
            running = supervisor;
        }

        return running is null ? rollouts : running.ExplainForStatus(rollouts);
    }

    /// <summary>The environment's supervisor, started if it is not running; it runs until stopped or yakd stops.</summary>
    public EnvironmentSupervisor Supervise(SupervisorServices services, CancellationToken stopping)
    {
        lock (gate)
        {
            return supervisor ??= new EnvironmentSupervisor(this, services, stopping);
        }
    }

    public async Task StopSupervisorAsync()
    {
        EnvironmentSupervisor? running;
        lock (gate)
        {
            running = supervisor;
            supervisor = null;
        }

        if (running is not null)
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }

        RolloutSource? cache;
        lock (gate)
        {
            cache = rollouts;
            rollouts = null;
        }

        if (cache is not null)
        {
            await cache.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The connection is the daemon's (KubeConnections), shared with other environments: it stays.
        await StopSupervisorAsync().ConfigureAwait(false);
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            semaphore.Release();
            return ValueTask.CompletedTask;
        }
    }
}
