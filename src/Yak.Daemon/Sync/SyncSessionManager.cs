using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Daemon.Events;
using Yak.Daemon.Hosting;
using Yak.Daemon.Kube;
using Yak.Daemon.Logging;
using Yak.Daemon.Rpc;
using Yak.Daemon.Telemetry;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Sync.Ignore;
using Yak.Sync.Session;

namespace Yak.Daemon.Sync;

/// <summary>
/// Owns every sync session: creates them from RPC, persists their definitions (atomically) and resumes them
/// when yakd starts, forwards their state changes as <c>sync</c> events, and stops them with the daemon.
/// </summary>
internal sealed partial class SyncSessionManager(
    DaemonEndpoint endpoint,
    IAgentConnectorFactory connectors,
    EventHub hub,
    TimeProvider time,
    WakeDetector wake,
    ILogger<SyncSessionManager> logger) : IHostedService, ISessionCountSource, IIdleMemoryHolder
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, (SyncSessionDefinition Definition, SyncSession Session)> sessions = new(StringComparer.Ordinal);

    /// <summary>Sessions that could not be resumed at start, with why: listed in error and kept until terminated. Guarded by <see cref="sessions"/>.</summary>
    private readonly Dictionary<string, (SyncSessionDefinition Definition, string Reason, string Code)> notResumed = new(StringComparer.Ordinal);

    public SessionArea Area => SessionArea.Sync;

    public int Count
    {
        get
        {
            lock (sessions)
            {
                return sessions.Count + notResumed.Count;
            }
        }
    }

    private string Root => Path.Combine(endpoint.StateDirectory, "sync");

    private string RegistryPath => Path.Combine(Root, "sessions.json");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        wake.Woke += ReconnectAfterSleep;
        await gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var definition in LoadRegistry())
            {
                try
                {
                    Open(definition, resumed: true);
                    Log.SyncSessionResumed(logger, definition.Name, definition.Endpoint);
                }
                catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException or UnauthorizedAccessException)
                {
                    NotResumed(definition, ex);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        wake.Woke -= ReconnectAfterSleep;
        List<SyncSession> open;
        lock (sessions)
        {
            open = [.. sessions.Values.Select(s => s.Session)];
        }

        // Sessions persist their own manifests; disposing them flushes that state.
        await ShutdownWait.AllAsync([.. open.Select(s => s.DisposeAsync().AsTask())], "sync session(s)", logger, cancellationToken);
    }

    /// <summary>Idle sessions park their models on disk until their next pass (yakd has been quiet for a while).</summary>
    public async Task ReleaseIdleMemoryAsync(CancellationToken cancellationToken)
    {
        List<SyncSession> open;
        lock (sessions)
        {
            open = [.. sessions.Values.Select(s => s.Session)];
        }

        var parked = await Task.WhenAll(open.Select(s => s.ParkAsync().WaitAsync(cancellationToken)));
        logger.LogDebug("yakd idle: {Parked} of {Count} sync session(s) parked their models", parked.Count(p => p), open.Count);
    }

    /// <summary>After a sleep, links opened before it are broken and reconnected at once instead of waiting for a write to time out.</summary>
    private void ReconnectAfterSleep(WakeEvent woke)
    {
        List<SyncSession> open;
        lock (sessions)
        {
            open = [.. sessions.Values.Select(s => s.Session)];
        }

        var broken = open.Count(s => s.Woke(woke.AsleepSince));
        if (broken > 0)
        {
            logger.LogInformation("yakd did not run for {Seconds:0.0} s (a sleep): reconnecting {Count} sync link(s) at once", woke.Gap.TotalSeconds, broken);
        }
    }

    public async Task<SyncSessionInfo> CreateAsync(SyncSessionSpec spec, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(spec.LocalPath) || !Path.IsPathRooted(spec.LocalPath))
        {
            throw new InvalidArgumentException($"Local folder '{spec.LocalPath}' does not exist (give an absolute path).");
        }

        var localPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec.LocalPath));
        if (spec.Endpoint is LocalSyncEndpoint local && Overlaps(localPath, local.Path))
        {
            throw new InvalidArgumentException($"The replica {local.Path} and the local folder {localPath} overlap: syncing one into the other would never settle.");
        }

        foreach (var pattern in spec.Excludes)
        {
            if (string.IsNullOrWhiteSpace(pattern) || pattern.Contains('\0', StringComparison.Ordinal))
            {
                throw new InvalidArgumentException($"Exclude pattern '{pattern}' is empty or contains NUL.");
            }
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            var name = spec.Name.Length > 0 ? spec.Name : DeriveName(localPath);
            if (!ValidName().IsMatch(name))
            {
                throw new InvalidArgumentException($"Session name '{name}' may only hold letters, digits, '.', '_' and '-' (at most 63).");
            }

            lock (sessions)
            {
                if (sessions.ContainsKey(name))
                {
                    throw new InvalidArgumentException($"A sync session named '{name}' already exists; pick another --name or terminate it first.", YakErrors.NameTaken);
                }
            }

            var definition = new SyncSessionDefinition(name, localPath, spec.Endpoint.ToString()!, [.. spec.Excludes], Paused: false)
            {
                Kubeconfig = spec.Kubeconfig,
                Context = spec.Context,
            };
            var session = Open(definition);
            SaveRegistry();
            Log.SyncSessionCreated(logger, name, localPath, definition.Endpoint);
            return session.GetStatus().ToInfo(definition);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The session's status, or null when there is none of that name.</summary>
    public SyncSessionInfo? Find(string name)
    {
        lock (sessions)
        {
            return sessions.TryGetValue(name, out var found) ? found.Session.GetStatus().ToInfo(found.Definition)
                : notResumed.TryGetValue(name, out var broken) ? NotResumedInfo(broken.Definition, broken.Reason, broken.Code)
                : null;
        }
    }

    public IReadOnlyList<SyncSessionInfo> Status(string name)
    {
        lock (sessions)
        {
            if (name.Length > 0 && notResumed.TryGetValue(name, out var broken))
            {
                return [NotResumedInfo(broken.Definition, broken.Reason, broken.Code)];
            }

            var infos = Select(name).Select(s => s.Session.GetStatus().ToInfo(s.Definition));
            return name.Length > 0 ? [.. infos] : [.. infos.Concat(notResumed.Values.Select(b => NotResumedInfo(b.Definition, b.Reason, b.Code))).OrderBy(i => i.Name, StringComparer.Ordinal)];
        }
    }

    public async Task<IReadOnlyList<SyncSessionInfo>> FlushAsync(string name, CancellationToken cancellationToken)
    {
        var selected = Select(name);
        try
        {
            await Task.WhenAll(selected.Select(s => s.Session.FlushAsync(cancellationToken)));
        }
        catch (ReplicaDiskFullException ex)
        {
            // The message names the pod, the path and the space, the fix goes beside it; the session retries by itself meanwhile.
            var error = ex.Fault.ReadOnly ? YakErrors.ReplicaReadOnly : YakErrors.ReplicaDiskFull;
            throw new OperationFailedException(ex.Problem, ex, error, ex.Fix);
        }

        return selected.Select(s => s.Session.GetStatus().ToInfo(s.Definition)).ToList();
    }

    public async Task<IReadOnlyList<SyncSessionInfo>> SetPausedAsync(string name, bool paused, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var selected = Select(name);
            foreach (var (definition, session) in selected)
            {
                if (paused)
                {
                    // Answer once the session has really let go of its link, so the reply shows "paused".
                    var settled = WaitForStateAsync(session, SyncState.Paused, cancellationToken);
                    session.Pause();
                    await settled;
                }
                else
                {
                    session.Resume();
                }

                lock (sessions)
                {
                    sessions[definition.Name] = (definition with { Paused = paused }, session);
                }
            }

            SaveRegistry();
            return Select(name).Select(s => s.Session.GetStatus().ToInfo(s.Definition)).ToList();
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task TerminateAsync(string name, CancellationToken cancellationToken)
    {
        if (name.Length == 0)
        {
            throw new InvalidArgumentException("Name the session to terminate.");
        }

        if (!await TerminateIfExistsAsync(name, cancellationToken))
        {
            throw NotFound(name);
        }
    }

    /// <summary>Terminates the session if there is one of that name; false when there was none.</summary>
    public async Task<bool> TerminateIfExistsAsync(string name, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            SyncSession? session;
            lock (sessions)
            {
                if (sessions.Remove(name, out var found))
                {
                    session = found.Session;
                }
                else if (notResumed.Remove(name))
                {
                    session = null;
                }
                else
                {
                    return false;
                }
            }

            if (session is not null)
            {
                await session.DisposeAsync();
            }

            SaveRegistry();
            DeleteState(name);
            hub.Publish(EventKinds.SyncTerminated, name, new SyncTerminatedInfo { Name = name });
            Log.SyncSessionTerminated(logger, name);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private SyncSession Open(SyncSessionDefinition definition, bool resumed = false)
    {
        SyncEndpoint.TryParse(definition.Endpoint, out var target, out var error);
        var connector = connectors.Create(target ?? throw new ArgumentException(error), definition);
        var session = new SyncSession(
            new SyncSessionOptions
            {
                Name = definition.Name,
                LocalRoot = definition.LocalPath,
                StateDirectory = Path.Combine(Root, definition.Name),
                Ignore = new IgnoreSettings { Excludes = definition.Excludes },
                StartPaused = definition.Paused,
                Time = time,

                // Outages and dropped streams are retried with jittered back-off capped low, so sync is back within
                // seconds of the cluster answering again (never a fixed long wait).
                MaxBackoff = TimeSpan.FromSeconds(3),
                Log = line =>
                {
                    // The session marks what needs attention (a full replica, a discarded state file) as a warning.
                    if (line.Contains(": warning: ", StringComparison.Ordinal))
                    {
                        Log.SyncSessionWarning(logger, definition.Name, line);
                    }
                    else
                    {
                        Log.SyncSessionDiagnostic(logger, definition.Name, line);
                    }
                },
            },
            connector);
        if (resumed)
        {
            // yakd started → this session syncing again: the wait of a developer whose daemon restarted. Stored before
            // the state change is published, so a client that sees the event finds the wait in stats/waits.
            void Reconnected(object? sender, SyncStateChangedEventArgs e)
            {
                if (e.State == SyncState.Watching)
                {
                    session.StateChanged -= Reconnected;
                    YakTelemetry.Completed(WaitKinds.Reconnect, definition.Name, "yak.daemon.reconnect", YakTelemetry.ProcessStarted, time.GetUtcNow());
                }
            }

            session.StateChanged += Reconnected;
        }

        session.StateChanged += (_, e) => hub.Publish(EventKinds.SyncStateChanged, definition.Name, new SyncStateChangedInfo { State = e.State.ToContract(), Previous = e.Previous.ToContract(), Reason = e.Reason });
        session.Synced += (_, e) =>
        {
            if (!e.Full)
            {
                // From the first change the watcher saw (its debounce included) to the replica's rename.
                var now = time.GetUtcNow();
                YakTelemetry.Completed(WaitKinds.SaveVisible, definition.Name, "yak.sync.visible", now - e.SinceChange, now);
            }

            hub.Publish(EventKinds.SyncSynced, definition.Name, new SyncSyncedInfo { Changes = e.Changes, LatencyMs = e.Latency.TotalMilliseconds, Full = e.Full });
        };
        session.ReplicaDiskFull += (_, e) =>
        {
            var error = e.Error;
            var code = (error.Fault.ReadOnly ? YakErrors.ReplicaReadOnly : YakErrors.ReplicaDiskFull).Code;
            hub.Publish(EventKinds.SyncReplicaDiskFull, definition.Name, new SyncReplicaDiskFullInfo
            {
                Code = code,
                Target = error.Target,
                Path = error.Fault.Path,
                ReadOnly = error.Fault.ReadOnly,
                BytesNeeded = error.BytesNeeded,
                BytesFree = error.Fault.BytesFree,
                Message = error.Message,
            });
        };
        session.Warning += (_, message) =>
        {
            // Logged already, as a warning, through the session's log line.
            hub.Publish(EventKinds.SyncWarning, definition.Name, new SyncWarningInfo { Message = message });
        };
        lock (sessions)
        {
            sessions[definition.Name] = (definition, session);
        }

        session.Start();
        return session;
    }

    private static async Task WaitForStateAsync(SyncSession session, SyncState wanted, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, SyncStateChangedEventArgs e)
        {
            if (e.State == wanted)
            {
                reached.TrySetResult();
            }
        }

        session.StateChanged += OnChanged;
        try
        {
            if (session.State == wanted)
            {
                return;
            }

            await reached.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (TimeoutException)
        {
            // A session stuck mid-transfer still pauses at its next step; the reply shows where it is now.
        }
        finally
        {
            session.StateChanged -= OnChanged;
        }
    }

    private List<(SyncSessionDefinition Definition, SyncSession Session)> Select(string name)
    {
        lock (sessions)
        {
            if (name.Length == 0)
            {
                return [.. sessions.Values.OrderBy(s => s.Definition.Name, StringComparer.Ordinal)];
            }

            return sessions.TryGetValue(name, out var found) ? [found]
                : notResumed.TryGetValue(name, out var broken) ? throw new InvalidArgumentException($"Sync session '{name}' was not resumed when yakd started: {broken.Reason} Terminate it ('yakctl sync terminate {name}') and create it again.")
                : throw NotFound(name);
        }
    }
}
