namespace Yak.Sync.Session;

/// <summary>A point-in-time view of a session, cheap to take and safe to serialise.</summary>
public sealed record SyncStatus
{
    public required string Name { get; init; }

    public required string LocalRoot { get; init; }

    public required string Remote { get; init; }

    public required SyncState State { get; init; }

    public string? LastError { get; init; }

    /// <summary>The failure behind <see cref="LastError"/>, for the caller to classify (never serialised).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Exception? LastCause { get; init; }

    /// <summary>While the replica's disk refuses writes: the first refused write (path, read-only, bytes free); null otherwise.</summary>
    public Wire.DiskFault? ReplicaDisk { get; init; }

    /// <summary>Files (whole or delta) acknowledged by the agent since the session started.</summary>
    public long FilesSent { get; init; }

    /// <summary>Content bytes of those files.</summary>
    public long BytesSentRaw { get; init; }

    /// <summary>Bytes actually written to the link (frames, compression and deltas included).</summary>
    public long BytesOnWire { get; init; }

    /// <summary>The zstd level the link compresses at now; null while not connected or on an uncompressed link.</summary>
    public int? LinkCompressionLevel { get; init; }

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
