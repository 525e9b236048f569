using System.Globalization;
using Yak.Protocol;
using Yak.Daemon.Sync;
using Yak.Environments.Manifests;
using Yak.Kube.Environments;
using Yak.Kube.Pods;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>
/// Keeps one sync session per mapping pointed at the service's current pod (the newest whose sidecar runs;
/// re-created when the pod is replaced), and releases initial-sync apps once their first sync is flushed.
/// </summary>
internal sealed class SyncFollower(EnvironmentRuntime runtime, SupervisorServices services, Action released) : IAsyncDisposable
{
    private static readonly TimeSpan FirstFlushLimit = TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, (CancellationTokenSource Stop, Task Task)> releases = new(StringComparer.Ordinal);

    private string Name => runtime.Name;

    public async Task FollowAsync(EnvironmentManifests manifests, IReadOnlyList<ServiceRollout> rollouts, CancellationToken cancellationToken)
    {
        foreach (var service in manifests.Services.Where(s => s.Syncs.Count > 0 && s.SyncContainer is not null))
        {
            var live = (rollouts.FirstOrDefault(r => r.Service == service.Name)?.Pods ?? []).Where(p => !p.Terminating).ToList();
            var target = PodPicker.PickRunning(live, service.SyncContainer!);
            if (target is null)
            {
                continue;
            }

            // A release still running for a pod that is gone is abandoned first: its sessions go away.
            await AbandonReleasesAsync(live.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal)).ConfigureAwait(false);
            var sessions = new List<string>();
            for (var i = 0; i < service.Syncs.Count; i++)
            {
                var record = services.Registry.Find(Name);
                if (record is null)
                {
                    return;
                }

                var index = i;
                var binding = record.Bindings.FirstOrDefault(b => b.Service == service.Name && b.Index == index);
                if (binding is not null && binding.PodUid == target.Uid && services.Sync.Find(binding.Session) is not null)
                {
                    sessions.Add(binding.Session);
                    continue;
                }

                if (binding is not null)
                {
                    await AbandonReleasesAsync(new HashSet<string>(StringComparer.Ordinal) { target.Uid }).ConfigureAwait(false);
                }

                var mapping = service.Syncs[i];
                var session = EnvironmentNames.SessionName(Name, service.Name, i);
                await services.Sync.TerminateIfExistsAsync(session, cancellationToken).ConfigureAwait(false);
                await services.Sync.CreateAsync(
                    new SyncSessionSpec(
                        session,
                        mapping.LocalPath,
                        new PodSyncEndpoint(manifests.NamespaceName, target.Name, service.SyncContainer, mapping.AgentRoot),
                        mapping.Excludes,
                        record.Kubeconfig,
                        record.Context),
                    cancellationToken).ConfigureAwait(false);
                var bound = new SyncBinding(service.Name, i, session, target.Name, target.Uid);
                services.Registry.Update(Name, r => r with { Bindings = [.. r.Bindings.Where(b => !(b.Service == service.Name && b.Index == index)), bound] });
                EnvironmentLog.SyncBound(services.Logger, Name, session, target.Name);
                services.Hub.Publish(EventKinds.EnvSyncStarted, Name, new EnvSyncStartedInfo { Service = service.Name, Session = session, Pod = target.Name, LocalPath = mapping.LocalPath, ContainerPath = mapping.ContainerPath });
                sessions.Add(session);
            }

            if (service.ReadyMarker is not null && services.Registry.Find(Name) is { } current && !current.ReleasedPods.Contains(target.Uid))
            {
                StartRelease(manifests.NamespaceName, service, target, sessions, [.. live.Select(p => p.Uid)], cancellationToken);
            }
        }
    }

    /// <summary>Waits until each session's replica equals the local tree: the one place environments flush sync.</summary>
    public async Task FlushAsync(IEnumerable<string> sessions, CancellationToken cancellationToken)
    {
        foreach (var session in sessions.Where(s => services.Sync.Find(s) is not null))
        {
            await services.Sync.FlushAsync(session, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await AbandonReleasesAsync(new HashSet<string>(StringComparer.Ordinal)).ConfigureAwait(false);

    /// <summary>
    /// Releases a pod in the background (its first flush can take long, or never end while the sidecar crashes), so
    /// the supervisor keeps following the other services and pod replacements. A failed release is retried at the next pass.
    /// </summary>
    private void StartRelease(string ns, ServiceManifest service, PodSummary pod, List<string> sessions, List<string> livePods, CancellationToken cancellationToken)
    {
        lock (releases)
        {
            if (releases.ContainsKey(pod.Uid))
            {
                return;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var task = Task.Run(() => ReleaseAndForgetAsync(ns, service, pod, sessions, livePods, stop.Token), CancellationToken.None);
            releases[pod.Uid] = (stop, task);
        }
    }

    private async Task ReleaseAndForgetAsync(string ns, ServiceManifest service, PodSummary pod, List<string> sessions, List<string> livePods, CancellationToken cancellationToken)
    {
        try
        {
            await ReleaseAsync(ns, service, pod, sessions, cancellationToken).ConfigureAwait(false);
            services.Registry.Update(Name, r => r with { ReleasedPods = [.. r.ReleasedPods.Where(livePods.Contains), pod.Uid] });
            released();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Abandoned: the pod was replaced, the environment went down, or yakd stops. The next pass decides.
        }
        catch (Exception ex)
        {
            // Whatever went wrong is said, and the next pass of the supervisor tries again.
            EnvironmentLog.SupervisorFailed(services.Logger, Name, $"releasing {pod.Name}: {ex.Message}");
        }

        lock (releases)
        {
            if (releases.Remove(pod.Uid, out var self))
            {
                self.Stop.Dispose();
            }
        }
    }

    /// <summary>Flushes the pod's first sync, then writes the ready marker in the app container so the app starts.</summary>
    private async Task ReleaseAsync(string ns, ServiceManifest service, PodSummary pod, List<string> sessions, CancellationToken cancellationToken)
    {
        using (var flushLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            flushLimit.CancelAfter(FirstFlushLimit);
            await FlushAsync(sessions, flushLimit.Token).ConfigureAwait(false);
        }

        var (exit, error) = await PodCommands.ExecAsync(runtime.Connection, ns, pod.Name, service.AppContainer, SyncSidecar.MarkReadyCommand, cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"writing the ready marker in {pod.Name}/{service.AppContainer} failed (exit {exit.ToString(CultureInfo.InvariantCulture)}): {error}");
        }

        EnvironmentLog.MarkedReady(services.Logger, Name, pod.Name);
        services.Hub.Publish(EventKinds.EnvInitialSyncDone, Name, new EnvInitialSyncDoneInfo { Service = service.Name, Pod = pod.Name });
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
                // It finished (and disposed its source) meanwhile: nothing left to cancel.
            }

            await task.ConfigureAwait(false);
        }
    }
}
