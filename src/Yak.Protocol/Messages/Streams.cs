namespace Yak.Protocol.Messages;

/// <summary>
/// Where a stream goes. Either an environment's service (<see cref="Service"/>, with <see cref="Environment"/>
/// empty meaning the only or most recent environment), or an explicit target without an environment:
/// <see cref="Pod"/> (a pod name) or <see cref="Selector"/> (<c>key=value[,…]</c>) in <see cref="Namespace"/>,
/// on the cluster named by <see cref="Kubeconfig"/> and <see cref="Context"/>.
/// </summary>
public sealed class StreamTargetInfo
{
    [OptionalMember]
    public required string Environment { get; init; } = string.Empty;

    [OptionalMember]
    public required string Service { get; init; } = string.Empty;

    [OptionalMember]
    public required string Namespace { get; init; } = string.Empty;

    [OptionalMember]
    public required string Selector { get; init; } = string.Empty;

    [OptionalMember]
    public required string Pod { get; init; } = string.Empty;

    /// <summary>The container; empty means the service's app container (or the pod's first container).</summary>
    [OptionalMember]
    public required string Container { get; init; } = string.Empty;

    [OptionalMember]
    public required string Kubeconfig { get; init; } = string.Empty;

    [OptionalMember]
    public required string Context { get; init; } = string.Empty;
}

/// <summary>
/// Prepares a command in a pod of the target. Nothing runs until a second connection claims the returned token
/// with <c>streams/attach</c>; the bytes then travel on that side channel (see docs/streams.md), never in JSON.
/// </summary>
public sealed class ExecStartRequest
{
    public required StreamTargetInfo Target { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Allocate a terminal (stdout and stderr merged; resize frames honoured).</summary>
    public required bool Tty { get; init; }

    /// <summary>Connect the caller's stdin frames to the command's stdin.</summary>
    public required bool Stdin { get; init; }

    /// <summary>Run in the target service's synced code (the first sync mapping's container path), as <c>yakctl test</c> does.</summary>
    public required bool InSyncRoot { get; init; }
}

public sealed class ExecStartResponse
{
    /// <summary>Single-use, expires after a minute unclaimed.</summary>
    public required string Token { get; init; }

    public required string Pod { get; init; }

    public required string Container { get; init; }

    /// <summary>The directory the command runs in; empty means the container's default.</summary>
    public required string WorkingDirectory { get; init; }
}

/// <summary>Prepares an attach to the main process of a container of the target (claimed like <c>exec/start</c>).</summary>
public sealed class AttachStartRequest
{
    public required StreamTargetInfo Target { get; init; }

    public required bool Tty { get; init; }

    public required bool Stdin { get; init; }
}

public sealed class AttachStartResponse
{
    public required string Token { get; init; }

    public required string Pod { get; init; }

    public required string Container { get; init; }

    /// <summary>The attach carries the container's terminal: asked for, and the container has one (its spec says <c>tty: true</c>).</summary>
    public required bool Tty { get; init; }
}

/// <summary>Prepares the logs of every pod of the target; each line arrives as a log frame (a <see cref="LogLineInfo"/>).</summary>
public sealed class LogsStartRequest
{
    public required StreamTargetInfo Target { get; init; }

    /// <summary>Keep streaming: across container restarts and new pods of the target, until the caller closes.</summary>
    public required bool Follow { get; init; }

    /// <summary>Lines from the end of each pod's log; negative means all.</summary>
    public required int TailLines { get; init; }

    /// <summary>Only lines newer than this many seconds; 0 means no limit.</summary>
    public required long SinceSeconds { get; init; }
}

public sealed class LogsStartResponse
{
    public required string Token { get; init; }

    /// <summary>The pods found when the stream was prepared (more may join when following).</summary>
    public required IReadOnlyList<string> Pods { get; init; }

    public required string Container { get; init; }
}

/// <summary>
/// Sent as the only request of a fresh connection (no handshake needed: the token is the credential). After the
/// response the connection stops speaking JSON-RPC and carries stream frames both ways.
/// </summary>
public sealed class StreamAttachRequest
{
    public required string Token { get; init; }
}

public sealed class StreamAttachResponse
{
    public required string Token { get; init; }

    /// <summary>What the token was for: <c>exec</c>, <c>attach</c> or <c>logs</c>.</summary>
    public required string Kind { get; init; }
}

/// <summary>The JSON payload of a log frame (frame type 8): one line of one container.</summary>
public sealed class LogLineInfo
{
    public required string Pod { get; init; }

    public required string Container { get; init; }

    /// <summary>RFC 3339 time the runtime recorded for the line; empty when it had none.</summary>
    public required string Time { get; init; }

    public required string Line { get; init; }
}
