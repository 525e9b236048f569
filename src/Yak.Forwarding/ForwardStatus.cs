namespace Yak.Forwarding;

/// <summary>A consistent snapshot of one forward: what <c>forward/list</c> shows.</summary>
/// <param name="State">Where the forward is in its life.</param>
/// <param name="Reason">Why it is Degraded or in Error; null otherwise.</param>
/// <param name="Target">The target as users write it: <c>pod/web-1</c>, <c>svc/web</c>, <c>app=web</c>.</param>
/// <param name="LocalPort">The bound port on 127.0.0.1 (0 before it is bound).</param>
/// <param name="RemotePort">The port inside the pod.</param>
/// <param name="TargetPod">The pod new connections go to, or null when none is Ready.</param>
/// <param name="OpenConnections">Local connections being forwarded now.</param>
/// <param name="TotalConnections">Local connections accepted since the forward started.</param>
/// <param name="FailedConnections">Local connections that could not be forwarded (closed with a reset).</param>
/// <param name="BytesIn">Bytes received from the pod and written to local clients.</param>
/// <param name="BytesOut">Bytes read from local clients and sent to the pod.</param>
/// <param name="LastError">The most recent error (dial, stream, watch), or null.</param>
/// <param name="LastErrorAt">When <paramref name="LastError"/> happened (wall clock, for display only).</param>
/// <param name="ReasonKind">What kind of trouble <paramref name="Reason"/> is (None while it only says what is in progress).</param>
/// <param name="LastErrorKind">What kind of trouble <paramref name="LastError"/> is.</param>
public sealed record ForwardStatus(
    ForwardState State,
    string? Reason,
    string Target,
    int LocalPort,
    int RemotePort,
    string? TargetPod,
    int OpenConnections,
    long TotalConnections,
    long FailedConnections,
    long BytesIn,
    long BytesOut,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    ForwardProblem ReasonKind = ForwardProblem.None,
    ForwardProblem LastErrorKind = ForwardProblem.None);
