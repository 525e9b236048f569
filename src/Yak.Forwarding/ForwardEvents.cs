namespace Yak.Forwarding;

/// <summary>Raised when a forward's state changes (e.g. Listening → Degraded because its pod went away).</summary>
public sealed class ForwardStateChangedEventArgs(ForwardState previous, ForwardState state, string? reason) : EventArgs
{
    public ForwardState Previous { get; } = previous;

    public ForwardState State { get; } = state;

    /// <summary>Why the forward is Degraded or in Error; null otherwise.</summary>
    public string? Reason { get; } = reason;
}

/// <summary>Raised when new connections start going to another pod (or to none).</summary>
public sealed class ForwardTargetChangedEventArgs(string? previousPod, string? pod) : EventArgs
{
    public string? PreviousPod { get; } = previousPod;

    /// <summary>The pod new connections go to; null when no pod is Ready.</summary>
    public string? Pod { get; } = pod;
}

/// <summary>Raised when a forwarded connection ends because of an error (never for a clean close).</summary>
public sealed class ForwardConnectionErrorEventArgs(string? pod, string error) : EventArgs
{
    public string? Pod { get; } = pod;

    public string Error { get; } = error;
}

/// <summary>Raised when a local connection opens or closes (counts after the change).</summary>
public sealed class ForwardConnectionsChangedEventArgs(int open, long total) : EventArgs
{
    public int OpenConnections { get; } = open;

    public long TotalConnections { get; } = total;
}
