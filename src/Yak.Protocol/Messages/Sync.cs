namespace Yak.Protocol.Messages;

/// <summary>
/// Creates a one-way sync session (local folder → replica). <see cref="Endpoint"/> is <c>local:DIR</c> (an agent
/// started on this machine) or <c>pod:NAMESPACE/POD[/CONTAINER]:PATH</c> (the agent in the pod's sync sidecar).
/// </summary>
public sealed class SyncCreateRequest
{
    /// <summary>Unique name (letters, digits, '-', '_', '.'); empty lets the daemon derive one from the folder.</summary>
    [OptionalMember]
    public required string Name { get; init; } = string.Empty;

    public required string LocalPath { get; init; }

    public required string Endpoint { get; init; }

    /// <summary>Extra ignore patterns in .gitignore syntax, on top of .gitignore and .yakignore.</summary>
    [OptionalMember]
    public required IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>For pod endpoints: the kubeconfig file, or a KUBECONFIG-style list of files (merged as kubectl merges them); empty means KUBECONFIG or ~/.kube/config as seen by yakd.</summary>
    [OptionalMember]
    public required string Kubeconfig { get; init; } = string.Empty;

    /// <summary>For pod endpoints: the kubeconfig context; empty means its current context.</summary>
    [OptionalMember]
    public required string Context { get; init; } = string.Empty;
}

public sealed class SyncCreateResponse
{
    public required SyncSessionInfo Session { get; init; }
}

public sealed class SyncListRequest
{
}

public sealed class SyncListResponse
{
    public required IReadOnlyList<SyncSessionInfo> Sessions { get; init; }
}

/// <summary>One session by name; an empty name means every session.</summary>
public sealed class SyncStatusRequest
{
    public required string Name { get; init; }
}

public sealed class SyncStatusResponse
{
    public required IReadOnlyList<SyncSessionInfo> Sessions { get; init; }
}

/// <summary>Returns when the replica equals the local tree as of the call (an empty name flushes every session).</summary>
public sealed class SyncFlushRequest
{
    public required string Name { get; init; }
}

public sealed class SyncFlushResponse
{
    public required IReadOnlyList<SyncSessionInfo> Sessions { get; init; }
}

public sealed class SyncPauseRequest
{
    public required string Name { get; init; }
}

public sealed class SyncPauseResponse
{
    public required IReadOnlyList<SyncSessionInfo> Sessions { get; init; }
}

public sealed class SyncResumeRequest
{
    public required string Name { get; init; }
}

public sealed class SyncResumeResponse
{
    public required IReadOnlyList<SyncSessionInfo> Sessions { get; init; }
}

/// <summary>Stops a session for good and forgets its state; the replica is left as it is.</summary>
public sealed class SyncTerminateRequest
{
    public required string Name { get; init; }
}

public sealed class SyncTerminateResponse
{
    public required string Name { get; init; }
}

public enum SyncSessionState
{
    Connecting,
    Scanning,
    Syncing,
    Watching,
    Paused,
    Error,
    Stopped,
}

public sealed class SyncSessionInfo
{
    public required string Name { get; init; }

    public required string LocalPath { get; init; }

    public required string Endpoint { get; init; }

    public required IReadOnlyList<string> Excludes { get; init; }

    public required SyncSessionState State { get; init; }

    /// <summary>Why the session is in <see cref="SyncSessionState.Error"/> (or last was); null when all is well.</summary>
    public required string? LastError { get; init; }

    /// <summary>The catalogue code of <see cref="LastError"/> (e.g. YAK3002 the pod's sync volume is full, YAK3004 the link broke); null without an error.</summary>
    public required string? LastErrorCode { get; init; }

    public required long FilesSent { get; init; }

    /// <summary>Bytes of file content the replica received, before delta and compression.</summary>
    public required long BytesSentRaw { get; init; }

    /// <summary>Bytes that actually crossed the link.</summary>
    public required long BytesOnWire { get; init; }

    /// <summary>
    /// The zstd level the link compresses at now: 1 where data leaves fast, up to 6 where the link is slow and the machine
    /// has CPU to spare; null while not connected or on an uncompressed link (a local endpoint). Optional: yakd before
    /// it does not send it.
    /// </summary>
    [OptionalMember]
    public required int? LinkCompressionLevel { get; init; }

    public required long FilesDeleted { get; init; }

    public required long DeltasSent { get; init; }

    public required double? LastSyncLatencyMs { get; init; }

    public required DateTimeOffset? LastSyncAt { get; init; }

    public required int PendingChanges { get; init; }

    public required int LocalEntries { get; init; }

    public required int RemoteEntries { get; init; }

    public required int Problems { get; init; }

    public required string? LastProblem { get; init; }

    public required string? AgentVersion { get; init; }
}
