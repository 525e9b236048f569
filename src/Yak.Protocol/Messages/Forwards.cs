namespace Yak.Protocol.Messages;

/// <summary>
/// Adds a port-forward owned by the daemon: a listener on 127.0.0.1 that stays bound while pods come and go.
/// <see cref="Target"/> is <c>svc/NAME</c> (or a bare NAME), <c>pod/NAME</c>, or a label selector <c>key=value[,…]</c>.
/// </summary>
public sealed class ForwardAddRequest
{
    /// <summary>Unique name; empty lets the daemon derive one (target and port).</summary>
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public required string Target { get; init; }

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public required int LocalPort { get; init; }

    /// <summary>The service port (service targets) or container port (pods, selectors).</summary>
    public required int RemotePort { get; init; }

    /// <summary>The kubeconfig file, or a KUBECONFIG-style list of files (merged as kubectl merges them); empty means KUBECONFIG or ~/.kube/config as seen by yakd.</summary>
    public required string Kubeconfig { get; init; }

    /// <summary>The kubeconfig context; empty means its current context.</summary>
    public required string Context { get; init; }

    /// <summary>
    /// An environment whose cluster, kubeconfig and namespace fill those left empty above (yakctl sends the
    /// environment of the folder it runs in); empty: none. The forward stays ad hoc: the environment does not own it.
    /// </summary>
    public required string Environment { get; init; }
}

public sealed class ForwardAddResponse
{
    public required ForwardInfo Forward { get; init; }
}

public sealed class ForwardListRequest
{
}

public sealed class ForwardListResponse
{
    public required IReadOnlyList<ForwardInfo> Forwards { get; init; }
}

public sealed class ForwardRemoveRequest
{
    public required string Name { get; init; }
}

public sealed class ForwardRemoveResponse
{
    public required string Name { get; init; }
}

/// <summary>Releases a forward's local port and keeps it, paused, until <c>forward/resume</c> (environments' forwards too).</summary>
public sealed class ForwardPauseRequest
{
    public required string Name { get; init; }
}

public sealed class ForwardPauseResponse
{
    public required ForwardInfo Forward { get; init; }
}

/// <summary>Listens again on a paused forward's local port.</summary>
public sealed class ForwardResumeRequest
{
    public required string Name { get; init; }
}

public sealed class ForwardResumeResponse
{
    public required ForwardInfo Forward { get; init; }
}

public enum ForwardSessionState
{
    Starting,
    Listening,
    Degraded,
    Stopped,
    Error,
    Paused,
}

public sealed class ForwardInfo
{
    public required string Name { get; init; }

    /// <summary>The environment that declared it, or empty for an ad hoc forward.</summary>
    public required string Environment { get; init; }

    public required string Namespace { get; init; }

    /// <summary>As users write it: <c>svc/web</c>, <c>pod/web-0</c>, <c>app=web</c>.</summary>
    public required string Target { get; init; }

    public required int LocalPort { get; init; }

    public required int RemotePort { get; init; }

    public required ForwardSessionState State { get; init; }

    /// <summary>Why it is degraded or in error; null when all is well.</summary>
    public required string? Reason { get; init; }

    /// <summary>The catalogue code of <see cref="Reason"/> when it is trouble (e.g. YAK4002 no ready pod); null while it only says what is in progress.</summary>
    public required string? ReasonCode { get; init; }

    /// <summary>The pod new connections go to, or null when none is Ready.</summary>
    public required string? TargetPod { get; init; }

    public required int OpenConnections { get; init; }

    public required long TotalConnections { get; init; }

    public required long FailedConnections { get; init; }

    /// <summary>Bytes from the pod to local clients.</summary>
    public required long BytesIn { get; init; }

    /// <summary>Bytes from local clients to the pod.</summary>
    public required long BytesOut { get; init; }

    public required string? LastError { get; init; }

    public required DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>The catalogue code of <see cref="LastError"/>.</summary>
    public required string? LastErrorCode { get; init; }
}
