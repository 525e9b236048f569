using System.Diagnostics;
using Yak.Sync.Ignore;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;
using Yak.Sync.Watching;

namespace Yak.Sync.Session;

/// <summary>
/// One one-way sync (local folder → agent replica), transport-agnostic. Lifecycle: connect → handshake → scan and read
/// the agent's manifest → push differences → watch and push changes; on a dropped link it reconnects with backoff and
/// jitter and reconciles again (never a blind full copy: the persisted manifest and signatures make resume cheap).
/// Thread-safe: every public member may be called from any thread.
/// </summary>
public sealed partial class SyncSession : IAsyncDisposable
{
    private static readonly TimeSpan SaveAfterIdle = TimeSpan.FromMilliseconds(500);

    private readonly SyncSessionOptions options;
    private readonly IAgentConnector connector;
    private readonly SessionStore store;
    private readonly IgnoreRules ignore;
    private readonly Scanner scanner;
    private readonly object gate = new();
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private readonly List<(TaskCompletionSource Done, long Generation)> flushes = [];
    private readonly SemaphoreSlim wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource stopping = new();
    private volatile Dictionary<string, Entry> remote;
    private volatile Snapshot local;
    private ITreeWatcher? watcher;
    private Task? loop;
    private TaskCompletionSource resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool paused;
    private bool fullPassNeeded = true;
    private long flushGeneration;
    private SyncState state = SyncState.Connecting;
    private string? lastError;
    private long filesSent, bytesRaw, bytesWireClosed, deletes, deltas, copies;
    private AgentClient? client;
    private PushResult? activePush;
    private TimeSpan? lastLatency;
    private DateTimeOffset? lastSyncAt;
    private readonly Dictionary<string, string> problems = new(StringComparer.Ordinal);
    private string? lastProblem;
    private string? agentVersion;
    private bool needsSave;
    private bool rootMissing;
    private readonly HashSet<string> warned = new(StringComparer.Ordinal);

    public SyncSession(SyncSessionOptions options, IAgentConnector connector)
    {
        this.options = options with { LocalRoot = Path.GetFullPath(options.LocalRoot) };
        this.connector = connector;
        if (!Directory.Exists(this.options.LocalRoot))
        {
            throw new DirectoryNotFoundException($"local folder '{this.options.LocalRoot}' does not exist");
        }

        store = new SessionStore(options.StateDirectory);
        ignore = new IgnoreRules(this.options.LocalRoot, options.Ignore);
        scanner = new Scanner(this.options.LocalRoot, ignore);
        remote = store.LoadRemote();
        local = store.LoadLocal() ?? new Snapshot();
        paused = options.StartPaused;
    }

    public string Name => options.Name;

    public SyncState State
    {
        get
        {
            lock (gate)
            {
                return state;
            }
        }
    }

    /// <summary>Raised on every state transition (from a background thread).</summary>
    public event EventHandler<SyncStateChangedEventArgs>? StateChanged;

    /// <summary>Raised after each push pass that applied changes, and after every full pass.</summary>
    public event EventHandler<SyncedEventArgs>? Synced;

    /// <summary>Raised once per distinct warning (e.g. the inotify budget, with the fix).</summary>
    public event EventHandler<string>? Warning;

    /// <summary>Starts the session's loop (idempotent).</summary>
    public void Start()
    {
        lock (gate)
        {
            loop ??= Task.Run(RunAsync);
        }
    }

    public SyncStatus GetStatus()
    {
        lock (gate)
        {
            return new SyncStatus
            {
                Name = options.Name,
                LocalRoot = options.LocalRoot,
                Remote = connector.Description,
                State = state,
                LastError = lastError,
                FilesSent = filesSent + (activePush?.FilesSent ?? 0),
                BytesSentRaw = bytesRaw + (activePush?.BytesRaw ?? 0),
                BytesOnWire = bytesWireClosed + (client?.BytesSent ?? 0),
                FilesDeleted = deletes + (activePush?.Deletes ?? 0),
                DeltasSent = deltas + (activePush?.Deltas ?? 0),
                FilesCopiedRemotely = copies + (activePush?.Copies ?? 0),
                LastSyncLatency = lastLatency,
                LastSyncAt = lastSyncAt,
                PendingChanges = dirty.Count,
                LocalEntries = local.Count,
                RemoteEntries = remote.Count,
                Problems = problems.Count,
                LastProblem = lastProblem,
                ProblemPaths = [.. problems.Keys.Order(StringComparer.Ordinal).Take(20)],
                PolledFolders = watcher?.PolledFolders ?? 0,
                AgentVersion = agentVersion,
            };
        }
    }

    /// <summary>
    /// Completes when the agent holds the local tree as it was when this was called (a full compare, so it does not
    /// depend on the watcher). Survives reconnects; fails if the session is paused or disposed.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (paused)
            {
                return Task.FromException(new InvalidOperationException($"sync session '{options.Name}' is paused"));
            }

            if (state == SyncState.Stopped || stopping.IsCancellationRequested)
            {
                return Task.FromException(new ObjectDisposedException(nameof(SyncSession)));
            }

            flushes.Add((done, ++flushGeneration));
        }

        Start();
        wake.Release();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops pushing and closes the link; local changes keep being collected.</summary>
    public void Pause()
    {
        lock (gate)
        {
            if (paused)
            {
                return;
            }

            paused = true;
            resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.Release();
    }

    public void Resume()
    {
        lock (gate)
        {
            if (!paused)
            {
                return;
            }

            paused = false;
            fullPassNeeded = true;
            resumed.TrySetResult();
        }

        Start();
        wake.Release();
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        stopping.Cancel();
        wake.Release();
        AgentClient? link;
        lock (gate)
        {
            resumed.TrySetResult();
            link = client;
        }

        // A push blocked on a hung agent must not hold the dispose: break the link under it.
        link?.Abort();

        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        watcher?.Dispose();
        SaveState();
        SetState(SyncState.Stopped, null);
        lock (gate)
        {
            foreach (var (done, _) in flushes)
            {
                done.TrySetException(new ObjectDisposedException(nameof(SyncSession), "the sync session was stopped"));
            }

            flushes.Clear();
        }
    }

    private void StartWatcher()
    {
        try
        {
            var created = TreeWatcher.Create(options.LocalRoot, ignore, options.QuietWindow);
            created.Changed += paths =>
            {
                lock (gate)
                {
                    dirty.UnionWith(paths);
                }

                wake.Release();
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
        lock (gate)
        {
            if (!warned.Add(message))
            {
                return;
            }
        }

        options.Log?.Invoke($"sync {options.Name}: warning: {message}");
        Warning?.Invoke(this, message);
    }

    /// <summary>Drops stored signatures of content the agent no longer holds (called after full passes).</summary>
    private void CollectSignatures()
    {
        try
        {
            store.CollectGarbage(remote.Values.Where(e => e.Kind == EntryKind.File && e.Size > Delta.BlockSizing.WholeFileThreshold).Select(e => e.Digest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            options.Log?.Invoke($"sync {options.Name}: could not prune signatures: {e.Message}");
        }
    }

    private void SaveState()
    {
        try
        {
            // Called only from the loop (or after it ended), which owns the models.
            store.SaveRemote(remote);
            store.SaveLocal(local);
            needsSave = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            options.Log?.Invoke($"sync {options.Name}: could not save state: {e.Message}");
        }
    }

    private void SetState(SyncState next, string? reason)
    {
        SyncState previous;
        lock (gate)
        {
            previous = state;
            if (previous == next && (next != SyncState.Error || reason == lastError))
            {
                return;
            }

            state = next;
            if (next == SyncState.Error)
            {
                lastError = reason;
            }
        }

        StateChanged?.Invoke(this, new SyncStateChangedEventArgs(previous, next, reason));
    }
}
