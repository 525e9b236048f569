namespace Yak.Forwarding;

/// <summary>The life of one forward, as the daemon shows it in <c>forward/list</c> and pushes it in events.</summary>
public enum ForwardState
{
    /// <summary>Created; the local listener is not bound yet.</summary>
    Starting,

    /// <summary>Bound, and a Ready pod is picked: new connections are forwarded.</summary>
    Listening,

    /// <summary>Still bound, but no Ready pod is known or the API server is failing; connections are retried, then refused.</summary>
    Degraded,

    /// <summary>Stopped on request; the port is released.</summary>
    Stopped,

    /// <summary>Could not run (e.g. the local port is taken); see the reason. The port is not held.</summary>
    Error,
}
