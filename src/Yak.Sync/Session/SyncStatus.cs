using Yak.Sync.Ignore;

namespace Yak.Sync.Session;

public enum SyncState
{
    /// <summary>Starting or (re)opening the link to the agent.</summary>
    Connecting,

    /// <summary>Scanning the local tree and reading the agent's manifest.</summary>
    Scanning,

    /// <summary>Pushing differences.</summary>
    Syncing,

    /// <summary>In sync; waiting for local changes.</summary>
    Watching,

    Paused,

    /// <summary>The last attempt failed (see <see cref="SyncStatus.LastError"/>); retrying with backoff.</summary>
    Error,

    /// <summary>Disposed.</summary>
    Stopped,
}

/// <summary>A point-in-time view of a session, cheap to take and safe to serialise.</summary>
public sealed record SyncStatus
{
    public required string Name { get; init; }

    public required string LocalRoot { get; init; }

    public required string Remote { get; init; }

    public required SyncState State { get; init; }

    public string? LastError { get; init; }

    /// <summary>Files (whole or delta) acknowledged by the agent since the session started.</summary>
    public long FilesSent { get; init; }

    /// <summary>Content bytes of those files.</summary>
    public long BytesSentRaw { get; init; }

    /// <summary>Bytes actually written to the link (frames, compression and deltas included).</summary>
    public long BytesOnWire { get; init; }

    public long FilesDeleted { get; init; }

    public long DeltasSent { get; init; }

    /// <summary>Files the agent created from content it already held (renames and moves cost no content).</summary>
    public long FilesCopiedRemotely { get; init; }

    public TimeSpan? LastSyncLatency { get; init; }

    public DateTimeOffset? LastSyncAt { get; init; }

    /// <summary>Local changes seen but not pushed yet.</summary>
    public int PendingChanges { get; init; }

    public int LocalEntries { get; init; }

    public int RemoteEntries { get; init; }

    /// <summary>Paths the agent currently refuses or fails (e.g. a symlink pointing out of the root).</summary>
    public int Problems { get; init; }

    public string? LastProblem { get; init; }

    /// <summary>The first (up to 20) problem paths, sorted.</summary>
    public IReadOnlyList<string> ProblemPaths { get; init; } = [];

    /// <summary>Folders polled because the inotify budget ran out.</summary>
    public int PolledFolders { get; init; }

    public string? AgentVersion { get; init; }
}

public sealed class SyncStateChangedEventArgs(SyncState previous, SyncState state, string? reason) : EventArgs
{
    public SyncState Previous { get; } = previous;

    public SyncState State { get; } = state;

    /// <summary>Why, for <see cref="SyncState.Error"/>.</summary>
    public string? Reason { get; } = reason;
}

public sealed class SyncedEventArgs(int changes, TimeSpan latency, bool full) : EventArgs
{
    /// <summary>Operations applied by the agent in this pass.</summary>
    public int Changes { get; } = changes;

    /// <summary>From the moment the pass started (changes seen) until the agent acknowledged the last one.</summary>
    public TimeSpan Latency { get; } = latency;

    /// <summary>True when the whole tree was compared (start, reconnect, flush), false for a watcher batch.</summary>
    public bool Full { get; } = full;
}

/// <summary>Everything a session needs besides the way to reach the agent.</summary>
public sealed record SyncSessionOptions
{
    public required string Name { get; init; }

    public required string LocalRoot { get; init; }

    /// <summary>Where the session keeps its scan cache, the remote manifest and signatures (created if missing).</summary>
    public required string StateDirectory { get; init; }

    public IgnoreSettings Ignore { get; init; } = IgnoreSettings.Default;

    /// <summary>How long the tree must be quiet before a batch of changes is pushed.</summary>
    public TimeSpan QuietWindow { get; init; } = Watching.TreeWatcher.DefaultQuiet;

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public bool StartPaused { get; init; }

    /// <summary>Receives diagnostic lines (connects, errors, warnings). Optional.</summary>
    public Action<string>? Log { get; init; }
}
