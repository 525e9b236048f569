using System.Globalization;
using k8s;
using k8s.Autorest;
using Yak.Environments.Manifests;
using Yak.Environments.Spec;
using Yak.Kube;
using Yak.Kube.Environments;
using Yak.Kube.Pods;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>
/// The live side of one environment: its cluster connection, the manifests last built, an operation lock, and the
/// sync supervisor — a loop woken by a pod watch that keeps one sync session per mapping pointed at the service's
/// current pod (re-created when the pod is replaced) and releases initial-sync apps after the first flush.
/// </summary>
internal sealed class EnvironmentRuntime(string name, string kubeconfig, string context, KubeConnection connection) : IAsyncDisposable
{
    private readonly SemaphoreSlim operation = new(1, 1);
    private readonly SemaphoreSlim wake = new(0);
    private readonly Dictionary<string, (CancellationTokenSource Stop, Task Task)> releases = new(StringComparer.Ordinal);
    private CancellationTokenSource? supervisorStop;
    private Task supervisor = Task.CompletedTask;

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

    public IReadOnlyList<WorkloadRef> Workloads() =>
        [.. (Manifests?.Services ?? []).Select(s => new WorkloadRef(
            s.Name,
            s.Kind == WorkloadKind.StatefulSet ? WorkloadType.StatefulSet : WorkloadType.Deployment,
            Manifests!.NamespaceName,
            s.WorkloadName,
            EnvironmentManager.SelectorText(s.Selector),
            s.AppContainer))];

    public void StartSupervisor(EnvironmentManager manager)
    {
        lock (operation)
        {
            if (supervisorStop is not null)
            {
                wake.Release();
                return;
            }

            supervisorStop = CancellationTokenSource.CreateLinkedTokenSource(manager.Stopping);
            var token = supervisorStop.Token;
            supervisor = Task.Run(() => SuperviseAsync(manager, token), CancellationToken.None);
        }
    }

    public async Task StopSupervisorAsync()
    {
        CancellationTokenSource? stop;
        Task running;
        lock (operation)
        {
            stop = supervisorStop;
            running = supervisor;
            supervisorStop = null;
        }

        if (stop is not null)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
            stop.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopSupervisorAsync().ConfigureAwait(false);
        Connection.Dispose();
    }

    private async Task SuperviseAsync(EnvironmentManager manager, CancellationToken cancellationToken)
    {
        var watch = WatchPodsAsync(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(manager, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or IOException or KubernetesException or InvalidOperationException or StreamJsonRpc.LocalRpcException or System.Net.WebSockets.WebSocketException)
            {
                EnvironmentLog.SupervisorFailed(manager.Logger, Name, ex.Message);
            }

            try
            {
                // Pod events wake the loop at once; the timeout retries after a failure or a lost watch.
                await wake.WaitAsync(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
                while (wake.CurrentCount > 0)
                {
                    await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        List<(CancellationTokenSource Stop, Task Task)> pending;
        lock (releases)
        {
            pending = [.. releases.Values];
            releases.Clear();
        }

        foreach (var (stop, task) in pending)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await task.ConfigureAwait(false);
            stop.Dispose();
        }

        await watch.ConfigureAwait(false);
    }

    /// <summary>Wakes the loop on every change of the namespace's pods, from the connection's shared pod informer.</summary>
    private async Task WatchPodsAsync(CancellationToken cancellationToken)
    {
        try
        {
            string? ns;
            while ((ns = Manifests?.NamespaceName) is null)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }

            await using var pods = Connection.Informers.Pods(ns);
            using var subscription = pods.Informer.Subscribe(_ => wake.Release());
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileAsync(EnvironmentManager manager, CancellationToken cancellationToken)
    {
        var manifests = Manifests;
        var record = manager.Find(Name);
        if (manifests is null || record is null)
        {
            return;
        }

        foreach (var service in manifests.Services.Where(s => s.Syncs.Count > 0 && s.SyncContainer is not null))
        {
            var pods = await Connection.Client.CoreV1.ListNamespacedPodAsync(
                manifests.NamespaceName, labelSelector: EnvironmentManager.SelectorText(service.Selector), cancellationToken: cancellationToken).ConfigureAwait(false);
            var live = pods.Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            var target = PodPicker.Pick(live, PodPolicy.ContainerRunning(service.SyncContainer));
            if (target is null)
            {
                continue;
            }

            // A release still running for a pod that is no longer the target is abandoned first: its sessions go away.
            await AbandonReleasesAsync(live.Select(p => p.Metadata.Uid).Append(target.Metadata.Uid).ToHashSet(StringComparer.Ordinal)).ConfigureAwait(false);
            var sessions = new List<string>();
            for (var i = 0; i < service.Syncs.Count; i++)
            {
                var mapping = service.Syncs[i];
                var binding = record.Bindings.FirstOrDefault(b => b.Service == service.Name && b.Index == i);
                if (binding is not null && binding.PodUid == target.Metadata.Uid && SessionExists(manager, binding.Session))
                {
                    sessions.Add(binding.Session);
                    continue;
                }

                if (binding is not null)
                {
                    await AbandonReleasesAsync(new HashSet<string>(StringComparer.Ordinal) { target.Metadata.Uid }).ConfigureAwait(false);
                }

                var session = EnvironmentManager.SessionName(Name, service.Name, i);
                await manager.TerminateSessionAsync(session, cancellationToken).ConfigureAwait(false);
                var endpoint = $"pod:{manifests.NamespaceName}/{target.Metadata.Name}/{service.SyncContainer}:{mapping.AgentRoot}";
                await manager.Sync.CreateAsync(
                    new SyncCreateRequest
                    {
                        Name = session,
                        LocalPath = mapping.LocalPath,
                        Endpoint = endpoint,
                        Excludes = mapping.Excludes,
                        Kubeconfig = record.Kubeconfig,
                        Context = record.Context,
                    },
                    cancellationToken).ConfigureAwait(false);
                var bound = new SyncBinding(service.Name, i, session, target.Metadata.Name, target.Metadata.Uid);
                record = manager.Update(Name, r => r with { Bindings = [.. r.Bindings.Where(b => !(b.Service == service.Name && b.Index == i)), bound] }) ?? record;
                await manager.SaveRegistryAsync(cancellationToken).ConfigureAwait(false);
                EnvironmentLog.SyncBound(manager.Logger, Name, session, target.Metadata.Name);
                manager.Hub.Publish(EventTopics.Environment, "syncStarted", Name, new { service = service.Name, session, pod = target.Metadata.Name, localPath = mapping.LocalPath, containerPath = mapping.ContainerPath });
                sessions.Add(session);
            }

            if (service.ReadyMarker is not null && !record.ReleasedPods.Contains(target.Metadata.Uid))
            {
                StartRelease(manager, manifests.NamespaceName, service, target, sessions, live.Select(p => p.Metadata.Uid).ToList(), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Releases a pod in the background (its first flush can take long, or never end while the sidecar crashes), so
    /// the loop keeps following the other services and pod replacements. A failed release is retried at the next pass.
    /// </summary>
    private void StartRelease(EnvironmentManager manager, string ns, ServiceManifest service, k8s.Models.V1Pod pod, List<string> sessions, List<string> livePods, CancellationToken cancellationToken)
    {
        var uid = pod.Metadata.Uid;
        lock (releases)
        {
            if (releases.ContainsKey(uid))
            {
                return;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var task = Task.Run(
                async () =>
                {
                    try
                    {
                        await ReleaseAsync(manager, ns, service, pod, sessions, stop.Token).ConfigureAwait(false);
                        manager.Update(Name, r => r with { ReleasedPods = [.. r.ReleasedPods.Where(livePods.Contains), uid] });
                        await manager.SaveRegistryAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Abandoned (pod replaced, environment down) or the flush took too long: the next pass decides.
                    }
                    catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or IOException or KubernetesException or InvalidOperationException or StreamJsonRpc.LocalRpcException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
                    {
                        EnvironmentLog.SupervisorFailed(manager.Logger, Name, $"releasing {pod.Metadata.Name}: {ex.Message}");
                    }

                    lock (releases)
                    {
                        if (releases.Remove(uid, out var self))
                        {
                            self.Stop.Dispose();
                        }
                    }
                },
                CancellationToken.None);
            releases[uid] = (stop, task);
        }
    }

    private async Task AbandonReleasesAsync(IReadOnlySet<string> keep)
    {
        List<(CancellationTokenSource Stop, Task Task)> abandoned;
        lock (releases)
        {
            abandoned = [.. releases.Where(kv => !keep.Contains(kv.Key)).Select(kv => kv.Value)];
        }

        foreach (var (stop, task) in abandoned)
        {
            try
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
            }

            await task.ConfigureAwait(false);
        }
    }

    /// <summary>Flushes the pod's first sync, then writes the ready marker in the app container so the app starts.</summary>
    private async Task ReleaseAsync(EnvironmentManager manager, string ns, ServiceManifest service, k8s.Models.V1Pod pod, List<string> sessions, CancellationToken cancellationToken)
    {
        using var flushTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        flushTimeout.CancelAfter(TimeSpan.FromMinutes(5));
        foreach (var session in sessions)
        {
            await manager.Sync.FlushAsync(session, flushTimeout.Token).ConfigureAwait(false);
        }

        var (exit, error) = await PodCommands.ExecAsync(Connection.Client, ns, pod.Metadata.Name, service.AppContainer, SyncSidecar.MarkReadyCommand, cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"writing the ready marker in {pod.Metadata.Name}/{service.AppContainer} failed (exit {exit.ToString(CultureInfo.InvariantCulture)}): {error}");
        }

        EnvironmentLog.MarkedReady(manager.Logger, Name, pod.Metadata.Name);
        manager.Hub.Publish(EventTopics.Environment, "initialSyncDone", Name, new { service = service.Name, pod = pod.Metadata.Name });
    }

    private static bool SessionExists(EnvironmentManager manager, string session)
    {
        try
        {
            return manager.Sync.Status(session).Count > 0;
        }
        catch (StreamJsonRpc.LocalRpcException)
        {
            return false;
        }
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
