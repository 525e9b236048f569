using Yak.Sync.Link;
using Yak.Sync.Watching;

namespace Yak.Sync.Session;

/// <summary>
/// One one-way sync (local folder → agent replica), transport-agnostic. Lifecycle: connect → handshake → scan and read
/// the agent's manifest → push differences → watch and push changes; on a dropped link it reconnects with backoff and
/// jitter and reconciles again (never a blind full copy: the persisted manifest and signatures make resume cheap).
/// Thread-safe: every public member may be called from any thread. The parts: <see cref="SessionState"/> (control),
/// <see cref="SessionStatistics"/> (what status reports), <see cref="PassPipeline"/> (scan → plan → push), and the
/// loop in SyncSession.Loop.cs.
/// </summary>
public sealed partial class SyncSession : IAsyncDisposable
{
    private readonly SyncSessionOptions options;
    private readonly IAgentConnector connector;
    private readonly SessionState state;
    private readonly SessionStatistics statistics = new();
    private readonly PassPipeline pipeline;
    private readonly object loopGate = new();
    private readonly SemaphoreSlim wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource stopping = new();
    private ITreeWatcher? watcher;
    private Task? loop;

    public SyncSession(SyncSessionOptions options, IAgentConnector connector)
    {
        this.options = options with { LocalRoot = Path.GetFullPath(options.LocalRoot) };
        this.connector = connector;
        if (!Directory.Exists(this.options.LocalRoot))
        {
            throw new DirectoryNotFoundException($"local folder '{this.options.LocalRoot}' does not exist");
        }

        pipeline = new PassPipeline(this.options);
        state = new SessionState(options.StartPaused);
        backoff = new ReconnectBackoff(this.options.MaxBackoff, this.options.Time);
    }

    public string Name => options.Name;

    public SyncState State => state.Current;

    /// <summary>Raised on every state transition (from a background thread).</summary>
    public event EventHandler<SyncStateChangedEventArgs>? StateChanged;

    /// <summary>Raised after each push pass that applied changes, and after every full pass.</summary>
    public event EventHandler<SyncedEventArgs>? Synced;

    /// <summary>Raised when the replica's disk starts refusing writes (full or read-only), once per episode; the session retries by itself.</summary>
    public event EventHandler<ReplicaDiskFullEventArgs>? ReplicaDiskFull;

    /// <summary>Raised once per distinct warning (e.g. the inotify budget, with the fix).</summary>
    public event EventHandler<string>? Warning;

    /// <summary>Starts the session's loop (idempotent).</summary>
    public void Start()
    {
        lock (loopGate)
        {
            loop ??= Task.Run(RunAsync);
        }
    }

    public SyncStatus GetStatus()
    {
        var (current, lastError, lastCause, pending) = state.Observe();
        return statistics.Describe(new SyncStatus
        {
            Name = options.Name,
            LocalRoot = options.LocalRoot,
            Remote = connector.Description,
            State = current,
            LastError = lastError,
            LastCause = lastCause,
            ReplicaDisk = diskFull?.Fault,
            PendingChanges = pending,
            LocalEntries = pipeline.LocalEntries,
            RemoteEntries = pipeline.RemoteEntries,
            PolledFolders = watcher?.PolledFolders ?? 0,
        });
    }

    /// <summary>
    /// Completes when the agent holds the local tree as it was when this was called (a full compare, so it does not
    /// depend on the watcher). Survives reconnects; fails if the session is paused or disposed.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = state.EnqueueFlush(options.Name, stopping.Token);
        if (done.IsCompleted)
        {
            return done;
        }

        Start();
        wake.Release();
        return done.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Asks an idle (watching) session to let its in-memory models go until its next pass (they are saved in the state
    /// folder and reloaded then; the watcher keeps running): what a long-idle daemon gives back. The loop does it
    /// between passes; a pass that starts first answers false.
    /// </summary>
    /// <returns>Whether the models are parked.</returns>
    public Task<bool> ParkAsync()
    {
        if (state.Current != SyncState.Watching || stopping.IsCancellationRequested)
        {
            return Task.FromResult(false);
        }

        var request = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref parkRequest, request)?.TrySetResult(false);
        wake.Release();
        return request.Task;
    }

    /// <summary>Whether the models are parked on disk (for tests).</summary>
    internal bool IsParked => pipeline.IsParked;

    /// <summary>Stops pushing and closes the link; local changes keep being collected.</summary>
    public void Pause()
    {
        if (state.Pause())
        {
            wake.Release();
        }
    }

    public void Resume()
    {
        if (!state.Resume())
        {
            return;
        }

        Start();
        wake.Release();
    }

    /// <summary>
    /// The process did not run for a while (a laptop's sleep): a link opened before <paramref name="asleepSince"/>
    /// (a timestamp of <see cref="SyncSessionOptions.Time"/>) may have died without a word — the Wi-Fi changed, a NAT
    /// forgot it — and would be noticed only when a write times out. It is broken now and reconnected at once.
    /// </summary>
    /// <returns>Whether a link was broken.</returns>
    public bool Woke(long asleepSince)
    {
        if (openLink is not { } open || open.Opened > asleepSince)
        {
            return false;
        }

        backoff.ReconnectAtOnce();
        open.Link.Abort();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        stopping.Cancel();
        wake.Release();
        state.ReleaseResumeWaiter();

        // A push blocked on a hung agent must not hold the dispose: break the link under it.
        statistics.Link?.Abort();

        Task? running;
        lock (loopGate)
        {
            running = loop;
        }

        if (running is not null)
        {
            try
            {
                await running.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        watcher?.Dispose();
        Interlocked.Exchange(ref parkRequest, null)?.TrySetResult(false);
        pipeline.Save();
        SetState(SyncState.Stopped, null);
        state.FailFlushes(new ObjectDisposedException(nameof(SyncSession), "the sync session was stopped"));
    }

    private void StartWatcher()
    {
        try
        {
            var created = TreeWatcher.Create(options.LocalRoot, pipeline.Ignore, options.QuietWindow, options.Time);
            created.Changed += paths =>
            {
                state.MarkDirty(paths, (paths as ChangeBatch)?.FirstSeen ?? options.Time.GetTimestamp());
                wake.Release();
            };
            created.Stirred += () =>
            {
                // A parked session reloads its models while the watcher waits for the tree to go quiet, not after.
                if (pipeline.IsParked)
                {
                    Volatile.Write(ref unparkEarly, true);
                    wake.Release();
                }
            };
            created.Warning += RaiseWarning;
            created.Start();
            watcher = created;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            RaiseWarning($"file watching is unavailable ({e.Message}); changes are pushed on flush only");
        }
    }

    private void RaiseWarning(string message)
    {
        if (!state.FirstWarning(message))
        {
            return;
        }

        options.Log?.Invoke($"sync {options.Name}: warning: {message}");
        Warning?.Invoke(this, message);
    }

    private void SetState(SyncState next, string? reason, Exception? cause = null)
    {
        if (state.TryMoveTo(next, reason, cause, out var previous))
        {
            StateChanged?.Invoke(this, new SyncStateChangedEventArgs(previous, next, reason));
        }
    }
}
