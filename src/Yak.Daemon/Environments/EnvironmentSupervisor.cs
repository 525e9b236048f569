using k8s;
using k8s.Autorest;
using Yak.Protocol;
using Yak.Environments.Manifests;
using Yak.Kube.Environments;
using Yak.Protocol.Messages;
using Yak.Daemon.Rpc;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Environments;

/// <summary>What a pass of the supervisor found: the state reached and why it is not up, if it is not.</summary>
/// <param name="Ticket">Passes asked for when this one started (see <see cref="EnvironmentSupervisor.Wake"/>).</param>
/// <param name="Refused">The cluster refused the spec: waiting longer changes nothing.</param>
/// <param name="Stopped">The supervisor stopped (down, yakd stopping): nothing more will come.</param>
internal sealed record EnvironmentObservation(long Ticket, EnvironmentState State, IReadOnlyList<ServiceRollout> Rollouts, string? Problem, bool Refused = false, bool Stopped = false, YakError? Error = null);

/// <summary>
/// The one task per environment that keeps converging it to what was asked, level-triggered, for as long as yakd
/// runs: applies a pending spec, follows each service's current pod with sync, keeps the declared forwards, and sets
/// the state reached (up only once every service is ready, flushed and forwarded; degraded with the reason while one
/// cannot get there). Woken by pod events, polled as a fallback; any failure is logged and retried with backoff.
/// Nothing here depends on the client that asked for it.
/// </summary>
internal sealed class EnvironmentSupervisor : IAsyncDisposable
{
    private static readonly TimeSpan PassLimit = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);

    /// <summary>A container that crashed before must stay ready this long to count (as minReadySeconds does).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private readonly EnvironmentRuntime runtime;
    private readonly SupervisorServices services;
    private readonly SyncFollower syncs;
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource stop;
    private readonly Lock gate = new();
    private readonly Dictionary<string, ServiceRollout> reported = new(StringComparer.Ordinal);
    private readonly Task loop;
    private long requested;
    private DateTimeOffset? readySince;

    /// <summary>The manifests last applied and who was held back then, so a pass that applies them again says only what changed.</summary>
    private EnvironmentManifests? appliedManifests;
    private string? appliedHeld;
    private IReadOnlyList<DependencyGate.Held> lastHeld = [];
    private IReadOnlySet<string> lastCompleted = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The code of the cluster's last refusal of the spec, said again while the environment stays refused.</summary>
    private YakError? refusedWith;
    private EnvironmentObservation observation = new(0, EnvironmentState.Deploying, [], null);
    private TaskCompletionSource<EnvironmentObservation> next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EnvironmentSupervisor(EnvironmentRuntime runtime, SupervisorServices services, CancellationToken stopping)
    {
        this.runtime = runtime;
        this.services = services;
        syncs = new SyncFollower(runtime, services, () => Wake());
        stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        loop = Task.Run(() => RunAsync(stop.Token), CancellationToken.None);
    }

    private string Name => runtime.Name;

    /// <summary>Asks for a pass; the returned ticket is reached by the first observation made after this call.</summary>
    public long Wake()
    {
        var ticket = Interlocked.Increment(ref requested);
        wake.Release();
        return ticket;
    }

    /// <summary>Rollouts with the last pass's held-back and completed services said so (for status between passes).</summary>
    public IReadOnlyList<ServiceRollout> Explain(IReadOnlyList<ServiceRollout> rollouts)
    {
        lock (gate)
        {
            return DependencyGate.Explain(rollouts, lastHeld, runtime.Spec, lastCompleted);
        }
    }

    /// <summary>
    /// <see cref="Explain"/> for a status read between passes: a service stuck for the reason the last pass saw keeps
    /// the crash's last log lines that pass read (a status does not read logs).
    /// </summary>
    public IReadOnlyList<ServiceRollout> ExplainForStatus(IReadOnlyList<ServiceRollout> rollouts)
    {
        lock (gate)
        {
            return [.. Explain(rollouts).Select(r => WithLastLogLines(r, observation.Rollouts.FirstOrDefault(o => o.Service == r.Service)))];
        }
    }

    private static ServiceRollout WithLastLogLines(ServiceRollout live, ServiceRollout? explained)
    {
        if (live.State != RolloutState.Stuck || explained is not { State: RolloutState.Stuck } || explained.Reason != live.Reason || live.Message is null ||
            live.Message.Contains(RolloutWatcher.LogLinesMarker, StringComparison.Ordinal))
        {
            return live;
        }

        var logs = explained.Message?.IndexOf(RolloutWatcher.LogLinesMarker, StringComparison.Ordinal) ?? -1;
        return logs < 0 ? live : live with { Message = live.Message + explained.Message![logs..] };
    }

    /// <summary>Waits for an observation that satisfies <paramref name="done"/> (or the supervisor's end).</summary>
    public async Task<EnvironmentObservation> WaitAsync(Func<EnvironmentObservation, bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            EnvironmentObservation current;
            Task<EnvironmentObservation> following;
            lock (gate)
            {
                current = observation;
                following = next.Task;
            }

            if (done(current) || current.Stopped)
            {
                return current;
            }

            await following.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        await syncs.DisposeAsync().ConfigureAwait(false);
        Observe(observation with { Stopped = true });
        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var watch = WatchPodsAsync(cancellationToken);
        var backoff = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            var ticket = Interlocked.Read(ref requested);
            var settled = false;
            try
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                limit.CancelAfter(PassLimit);
                settled = await PassAsync(ticket, limit.Token).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // An HTTP timeout or a pass over its limit is an OperationCanceledException too, but not ours: like any
                // other failure it is said, kept as the reason, and retried after a backoff.
                var reason = ex is OperationCanceledException ? $"the cluster did not answer within {PassLimit.TotalSeconds:0} s" : ex.Message;
                EnvironmentLog.SupervisorFailed(services.Logger, Name, reason);
                Observe(observation with { Ticket = ticket, Problem = $"cannot reach the cluster to converge: {reason}" });
                if (!await RestAsync(backoff, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }

            // Pod events wake the loop at once; the timeout is the fallback for a lost watch and for forwards settling.
            if (!await RestAsync(settled ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        await watch.ConfigureAwait(false);
    }

    /// <summary>Waits until woken or <paramref name="timeout"/>; false once the supervisor stops.</summary>
    private async Task<bool> RestAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await wake.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            while (wake.CurrentCount > 0)
            {
                await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One convergence step; true when the environment is up and nothing is left to do.</summary>
    private async Task<bool> PassAsync(long ticket, CancellationToken cancellationToken)
    {
        var record = services.Registry.Find(Name);
        var manifests = runtime.Manifests;
        if (record is null || record.State == EnvironmentState.Down)
        {
            return true;
        }

        if (manifests is null)
        {
            Observe(new EnvironmentObservation(ticket, record.State, [], $"The spec {record.SpecPath} could not be loaded; fix it and run 'yakctl up'."));
            return false;
        }

        if (record.State == EnvironmentState.Error && !record.PendingApply)
        {
            // The cluster refused this spec: trying again changes nothing until the next up.
            Observe(new EnvironmentObservation(ticket, record.State, [], record.LastError, Refused: true, Error: refusedWith));
            return true;
        }

        var client = runtime.Connection.Client;
        var spec = runtime.Spec;
        var completed = await CompletedAsync(client, manifests, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<DependencyGate.Held> held = [];
        if (record.PendingApply)
        {
            held = await HoldAsync(spec, completed, cancellationToken).ConfigureAwait(false);
            if (!await ApplyAsync(client, record, manifests, held, ticket, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        // Read from the namespace's shared informers: a pass costs no request.
        lock (gate)
        {
            (lastHeld, lastCompleted) = (held, completed);
        }

        var rollouts = Explain(await runtime.Rollouts(manifests.NamespaceName).SnapshotAsync(runtime.Workloads(), explain: true, cancellationToken).ConfigureAwait(false));
        Report(rollouts);
        await syncs.FollowAsync(manifests, rollouts, cancellationToken).ConfigureAwait(false);
        await services.Forwards.StartAsync(Name, ForwardTargets(record, manifests), cancellationToken).ConfigureAwait(false);

        record = services.Registry.Find(Name) ?? record;
        var (state, problem, problemCode) = Evaluate(record, manifests, rollouts);
        if (state == EnvironmentState.Up && record.State != EnvironmentState.Up)
        {
            // The code in the pods is the code on disk before the environment says it is up.
            await syncs.FlushAsync(record.Bindings.Select(b => b.Session), cancellationToken).ConfigureAwait(false);
        }

        SetState(record, state, problem, problemCode, rollouts);
        Observe(new EnvironmentObservation(ticket, state, rollouts, problem));
        return state == EnvironmentState.Up;
    }

    /// <summary>Services whose dependencies have not reached their condition (none when no service has dependencies).</summary>
    private async Task<IReadOnlyList<DependencyGate.Held>> HoldAsync(Yak.Environments.Spec.EnvironmentSpec? spec, IReadOnlySet<string> completed, CancellationToken cancellationToken)
    {
        if (!DependencyGate.HasDependencies(spec))
        {
            return [];
        }

        var before = await runtime.Rollouts(runtime.Manifests!.NamespaceName).SnapshotAsync(runtime.Workloads(), explain: false, cancellationToken).ConfigureAwait(false);
        return DependencyGate.Hold(spec!, before, completed);
    }

    private Task<IReadOnlySet<string>> CompletedAsync(IKubernetes client, EnvironmentManifests manifests, CancellationToken cancellationToken)
    {
        var targets = DependencyGate.CompletionTargets(runtime.Spec);
        return targets.Count == 0 ? Task.FromResult<IReadOnlySet<string>>(targets) : DependencyGate.CompletedAsync(client, manifests, targets, cancellationToken);
    }

    /// <summary>
    /// Applies the manifests but the workloads of <paramref name="held"/> services; while any is held the apply stays
    /// pending, so each pass (woken by the dependencies' pods) applies what became free, and a restart of yakd too.
    /// </summary>
    private async Task<bool> ApplyAsync(IKubernetes client, EnvironmentRecord record, EnvironmentManifests manifests, IReadOnlyList<DependencyGate.Held> held, long ticket, CancellationToken cancellationToken)
    {
        var holding = held.Select(h => h.Service).ToHashSet(StringComparer.Ordinal);
        var objects = manifests.Objects.Where(o => !DependencyGate.IsWorkloadOf(o, manifests, holding)).ToList();
        var waiting = string.Join(", ", held.Select(h => $"{h.Service} until {h.Waiting}"));
        if (!ReferenceEquals(appliedManifests, manifests) || appliedHeld != waiting)
        {
            EnvironmentLog.Applying(services.Logger, Name, objects.Count, record.Namespace);
            services.Hub.Publish(EventKinds.EnvApplying, Name, new EnvApplyingInfo { Name = Name, Namespace = record.Namespace, Cluster = record.Cluster, Server = record.Server, Objects = objects.Count });
        }

        IReadOnlyList<AppliedObject> applied;
        try
        {
            applied = await ManifestApplier.ApplyAsync(client, objects, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when ((int)ex.Response.StatusCode is >= 400 and < 500 and not 408 and not 429)
        {
            var message = $"The cluster refused the environment: {ex.Response.ReasonPhrase} {ex.Response.Content}".Trim();
            var code = ClusterErrorCodes.For(ex) ?? YakErrors.ClusterRefused;
            services.Registry.Update(Name, r => r with { State = EnvironmentState.Error, LastError = message, LastErrorCode = code.Code, PendingApply = false, UpdatedAt = services.Time.GetUtcNow() });
            EnvironmentLog.Warning(services.Logger, Name, message);
            services.Hub.Publish(EventKinds.EnvFailed, Name, new EnvFailedInfo { Name = Name, Message = message });
            refusedWith = ClusterErrorCodes.For(ex);
            Observe(new EnvironmentObservation(ticket, EnvironmentState.Error, [], message, Refused: true, Error: refusedWith));
            return false;
        }

        if (held.Count == 0)
        {
            services.Registry.Update(Name, r => r with { PendingApply = false });
        }

        runtime.Rollouts(manifests.NamespaceName).Fence(applied);

        // Re-applying what did not change while a service is held is a no-op: only a change is said again.
        var changed = applied.Count(a => a.Changed);
        if (!ReferenceEquals(appliedManifests, manifests) || appliedHeld != waiting || changed > 0)
        {
            EnvironmentLog.Applied(services.Logger, Name, record.Namespace, record.Cluster, changed, applied.Count);
            services.Hub.Publish(EventKinds.EnvApplied, Name, new EnvAppliedInfo { Changed = changed, Total = applied.Count, Objects = [.. applied.Where(a => a.Changed).Select(a => $"{a.Kind}/{a.Name}")] });
            if (held.Count > 0)
            {
                EnvironmentLog.Held(services.Logger, Name, waiting);
            }
        }

        if (!ReferenceEquals(appliedManifests, manifests))
        {
            // A new rollout: its progress is reported from the start.
            reported.Clear();
        }

        appliedManifests = manifests;
        appliedHeld = waiting;
        return true;
    }

    private (EnvironmentState State, string? Problem, YakError? Code) Evaluate(EnvironmentRecord record, EnvironmentManifests manifests, IReadOnlyList<ServiceRollout> rollouts)
    {
        var stuck = rollouts.Where(r => r.State == RolloutState.Stuck).ToList();
        var waiting = rollouts.Where(r => r.State is not (RolloutState.Ready or RolloutState.ScaledDown)).ToList();
        if (waiting.Count > 0)
        {
            readySince = null;
        }

        if (stuck.Count > 0)
        {
            return (EnvironmentState.Degraded, string.Join("\n", stuck.Select(s => $"{s.Service}: {s.Message}")), ClusterErrorCodes.For(stuck[0].Reason));
        }

        if (waiting.Count > 0)
        {
            return (EnvironmentState.Deploying, "waiting for " + string.Join(", ", waiting.Select(Waiting)), null);
        }

        // A crash-looping container is ready for a moment between its runs: one that restarted must stay ready a while
        // before it counts; until then the environment stays where it was.
        var now = services.Time.GetUtcNow();
        readySince ??= now;
        var restarted = rollouts.Where(r => r.Pods.Any(p => !p.Terminating && p.Restarts > 0)).Select(r => r.Service).ToList();
        if (restarted.Count > 0 && record.State != EnvironmentState.Up && now - readySince < Settle)
        {
            return record.State == EnvironmentState.Degraded
                ? (record.State, record.LastError, YakErrors.Find(record.LastErrorCode))
                : (record.State, $"waiting for {string.Join(", ", restarted)} to stay ready (it restarted)", null);
        }

        var forwards = manifests.Services
            .SelectMany(s => s.Ports.Where(p => p.LocalPort is not null).Select(p => (Service: s.Name, Port: p.LocalPort!.Value)))
            .Select(p => (p.Service, p.Port, Forward: services.Forwards.Forward(Name, p.Service, p.Port)))
            .Where(p => p.Forward?.State is not (ForwardSessionState.Listening or ForwardSessionState.Paused))
            .ToList();
        if (forwards.Any(f => f.Forward?.State == ForwardSessionState.Error))
        {
            var failed = forwards.Where(f => f.Forward?.State == ForwardSessionState.Error).ToList();
            return (EnvironmentState.Degraded, string.Join("\n", failed.Select(f => $"{f.Service}: {f.Forward!.Reason ?? f.Forward.LastError}")), YakErrors.Find(failed[0].Forward!.ReasonCode) ?? YakErrors.LocalPortBusy);
        }

        return forwards.Count > 0
            ? (EnvironmentState.Deploying, "waiting for " + string.Join(", ", forwards.Select(f => $"the forward of localhost:{f.Port} ({f.Forward?.Reason ?? "starting"})")), null)
            : (EnvironmentState.Up, null, null);
    }

    private static string Waiting(ServiceRollout r) => r.State switch
    {
        RolloutState.Pending => $"{r.Service} (no pod yet{(r.Message is null ? string.Empty : ": " + r.Message)})",
        _ => $"{r.Service} ({Math.Min(r.Ready, r.Desired)} of {r.Desired} ready{(r.Message is null ? string.Empty : ": " + r.Message)})",
    };

    private void SetState(EnvironmentRecord record, EnvironmentState state, string? problem, YakError? problemCode, IReadOnlyList<ServiceRollout> rollouts)
    {
        // Deploying's "waiting for" is progress, not an error worth keeping.
        var error = state == EnvironmentState.Degraded ? problem : null;
        var code = error is null ? null : (problemCode ?? YakErrors.Unexpected).Code;
        if (record.State == state && record.LastError == error && record.LastErrorCode == code)
        {
            return;
        }

        services.Registry.Update(Name, r => r with { State = state, LastError = error, LastErrorCode = code, UpdatedAt = services.Time.GetUtcNow() });
        EnvironmentLog.StateChanged(services.Logger, Name, state.ToString(), error ?? string.Empty);
        services.Hub.Publish(EventKinds.EnvStateChanged, Name, new EnvStateChangedInfo { State = state, Previous = record.State, Message = error });
        if (state == EnvironmentState.Up)
        {
            var info = EnvironmentStatus.Build(services.Registry.Find(Name) ?? record, runtime.Manifests, rollouts, services, error: null);
            services.Hub.Publish(EventKinds.EnvReady, Name, info);
        }
    }

    private void Report(IReadOnlyList<ServiceRollout> rollouts)
    {
        foreach (var rollout in rollouts)
        {
            if (rollout.SameProgress(reported.GetValueOrDefault(rollout.Service)))
            {
                continue;
            }

            reported[rollout.Service] = rollout;
            var state = EnvironmentStatus.ServiceStateOf(rollout.State);
            EnvironmentLog.Progress(services.Logger, Name, rollout.Service, state.ToString(), rollout.Ready, rollout.Desired);
            if (rollout.State == RolloutState.Stuck)
            {
                EnvironmentLog.Stuck(services.Logger, Name, rollout.Service, rollout.Message ?? "?");
                services.Hub.Publish(EventKinds.EnvStuck, Name, new EnvStuckInfo { Service = rollout.Service, Message = rollout.Message, Code = ClusterErrorCodes.For(rollout.Reason)?.Code });
            }

            services.Hub.Publish(EventKinds.EnvProgress, Name, new EnvProgressInfo { Service = rollout.Service, State = state, Ready = Math.Min(rollout.Ready, rollout.Desired), Desired = rollout.Desired, Message = rollout.Message });
        }
    }

    private void Observe(EnvironmentObservation seen)
    {
        TaskCompletionSource<EnvironmentObservation> reached;
        lock (gate)
        {
            observation = seen;
            reached = next;
            next = new TaskCompletionSource<EnvironmentObservation>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        reached.TrySetResult(seen);
    }

    /// <summary>Wakes the loop on every change of the namespace's pods and workloads, from the connection's shared informers.</summary>
    private async Task WatchPodsAsync(CancellationToken cancellationToken)
    {
        try
        {
            string? ns;
            while ((ns = runtime.Manifests?.NamespaceName) is null)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), services.Time, cancellationToken).ConfigureAwait(false);
            }

            using var subscription = runtime.Rollouts(ns).Subscribe(() => wake.Release());
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static IReadOnlyList<EnvironmentForwardTarget> ForwardTargets(EnvironmentRecord record, EnvironmentManifests manifests) =>
        [.. manifests.Services
            .Where(s => s.Ports.Any(p => p.LocalPort is not null))
            .Select(s => new EnvironmentForwardTarget(record.Name, s.Name, record.Namespace, EnvironmentNames.SelectorText(s.Selector), record.Kubeconfig, record.Context, [.. s.Ports.Where(p => p.LocalPort is not null)]))];
}
