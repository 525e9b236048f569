using Yak.Environments.Manifests;
using Yak.Environments.Spec;
using Yak.Kube;
using Yak.Kube.Environments;

namespace Yak.Daemon.Environments;

/// <summary>
/// The live side of one environment: its cluster connection, the spec and manifests last built, a lock that orders
/// up/update/down, and its supervisor (at most one).
/// </summary>
internal sealed class EnvironmentRuntime(string name, string kubeconfig, string context, KubeConnection connection) : IAsyncDisposable
{
    private readonly SemaphoreSlim operation = new(1, 1);
    private readonly Lock gate = new();
    private EnvironmentSupervisor? supervisor;

    public string Name { get; } = name;

    public KubeConnection Connection { get; } = connection;

    public EnvironmentSpec? Spec { get; set; }

    public EnvironmentManifests? Manifests { get; set; }

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
    }

    public async ValueTask DisposeAsync()
    {
        await StopSupervisorAsync().ConfigureAwait(false);
        Connection.Dispose();
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
