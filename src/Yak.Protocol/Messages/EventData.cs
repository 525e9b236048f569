namespace Yak.Protocol.Messages;

// The data of each event (see EventKinds for which kind carries which).

/// <summary><c>daemon</c> clientConnected / clientDisconnected.</summary>
public sealed class DaemonClientInfo
{
    public required int ConnectionId { get; init; }

    /// <summary>Connections open after the change.</summary>
    public required int Clients { get; init; }
}

/// <summary><c>daemon</c> stopping.</summary>
public sealed class DaemonStoppingInfo
{
    public required string Reason { get; init; }
}

/// <summary><c>sync</c> stateChanged.</summary>
public sealed class SyncStateChangedInfo
{
    public required SyncSessionState State { get; init; }

    public required SyncSessionState Previous { get; init; }

    public required string? Reason { get; init; }
}

/// <summary><c>sync</c> synced: a pass finished and the replica equals the local tree as scanned.</summary>
public sealed class SyncSyncedInfo
{
    public required int Changes { get; init; }

    public required double LatencyMs { get; init; }

    /// <summary>A full pass (scan of everything) rather than one for watched changes.</summary>
    public required bool Full { get; init; }
}

/// <summary><c>sync</c> warning (e.g. a file that cannot be read, watch limits).</summary>
public sealed class SyncWarningInfo
{
    public required string Message { get; init; }
}

/// <summary>
/// <c>sync</c> replicaDiskFull: the pod's sync volume refused writes (full, over quota, or read-only). Sent once when
/// it starts; the session retries by itself and a <c>synced</c> event follows when the replica took everything.
/// </summary>
public sealed class SyncReplicaDiskFullInfo
{
    /// <summary>YAK3002 (full) or YAK3003 (read-only).</summary>
    public required string Code { get; init; }

    /// <summary>Where the agent runs: <c>pod NAMESPACE/POD (container C):PATH</c>.</summary>
    public required string Target { get; init; }

    /// <summary>The first path (relative to the sync root) that could not be written.</summary>
    public required string Path { get; init; }

    public required bool ReadOnly { get; init; }

    /// <summary>What the refused writes needed in all (their files' lengths).</summary>
    public required long BytesNeeded { get; init; }

    /// <summary>What the volume had free for the agent when it refused.</summary>
    public required long BytesFree { get; init; }

    /// <summary>The whole story with the fix, as <c>sync status</c> shows it.</summary>
    public required string Message { get; init; }
}

/// <summary><c>sync</c> terminated.</summary>
public sealed class SyncTerminatedInfo
{
    public required string Name { get; init; }
}

/// <summary><c>forward</c> stateChanged.</summary>
public sealed class ForwardStateChangedInfo
{
    public required ForwardSessionState State { get; init; }

    public required ForwardSessionState Previous { get; init; }

    public required string? Reason { get; init; }
}

/// <summary><c>forward</c> targetChanged: new connections go to another pod.</summary>
public sealed class ForwardTargetChangedInfo
{
    public required string? Pod { get; init; }

    public required string? PreviousPod { get; init; }
}

/// <summary><c>forward</c> connectionError: one connection could not be forwarded.</summary>
public sealed class ForwardConnectionErrorInfo
{
    public required string? Pod { get; init; }

    public required string Error { get; init; }
}

/// <summary><c>forward</c> removed.</summary>
public sealed class ForwardRemovedInfo
{
    public required string Name { get; init; }
}

/// <summary><c>environment</c> applying: the spec is being applied (server-side apply).</summary>
public sealed class EnvApplyingInfo
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public required string Cluster { get; init; }

    public required string Server { get; init; }

    public required int Objects { get; init; }
}

/// <summary><c>environment</c> applied.</summary>
public sealed class EnvAppliedInfo
{
    public required int Changed { get; init; }

    public required int Total { get; init; }

    /// <summary>The objects that changed, as <c>Kind/name</c>.</summary>
    public required IReadOnlyList<string> Objects { get; init; }
}

/// <summary><c>environment</c> progress of one service (each change once).</summary>
public sealed class EnvProgressInfo
{
    public required string Service { get; init; }

    public required ServiceState State { get; init; }

    /// <summary>Ready pods of the current version, at most <see cref="Desired"/>.</summary>
    public required int Ready { get; init; }

    public required int Desired { get; init; }

    public required string? Message { get; init; }
}

/// <summary><c>environment</c> stuck: a service cannot become ready on its own now; the message says why.</summary>
public sealed class EnvStuckInfo
{
    public required string Service { get; init; }

    public required string? Message { get; init; }

    /// <summary>The error catalogue's code of why it is stuck (docs/errors/), or null.</summary>
    public required string? Code { get; init; }
}

/// <summary><c>environment</c> stateChanged: the state reached changed (e.g. degraded → up when a service recovers).</summary>
public sealed class EnvStateChangedInfo
{
    public required EnvironmentState State { get; init; }

    public required EnvironmentState Previous { get; init; }

    /// <summary>Why it is degraded, else null.</summary>
    public required string? Message { get; init; }
}

/// <summary><c>environment</c> failed: the cluster refused the environment.</summary>
public sealed class EnvFailedInfo
{
    public required string Name { get; init; }

    public required string Message { get; init; }
}

/// <summary><c>environment</c> down.</summary>
public sealed class EnvDownInfo
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public required bool Purged { get; init; }
}

/// <summary><c>environment</c> syncStarted: a mapping's session now targets this pod.</summary>
public sealed class EnvSyncStartedInfo
{
    public required string Service { get; init; }

    public required string Session { get; init; }

    public required string Pod { get; init; }

    public required string LocalPath { get; init; }

    public required string ContainerPath { get; init; }
}

/// <summary><c>environment</c> initialSyncDone: the pod's first sync is flushed and its app released.</summary>
public sealed class EnvInitialSyncDoneInfo
{
    public required string Service { get; init; }

    public required string Pod { get; init; }
}

/// <summary><c>environment</c> and <c>sync</c> notResumed: yakd could not take it up at start; it stays listed in error with the reason.</summary>
public sealed class NotResumedInfo
{
    public required string Name { get; init; }

    public required string Message { get; init; }
}
