namespace Yak.Forwarding;

/// <summary>What kind of trouble a forward's reason or last error describes (the text is for people; this is for codes).</summary>
public enum ForwardProblem
{
    None,

    /// <summary>The local port cannot be bound (taken, or privileged).</summary>
    LocalPortUnavailable,

    /// <summary>No Ready pod matches the target.</summary>
    NoReadyPod,

    /// <summary>The API server does not answer the watch or the list.</summary>
    ClusterUnreachable,

    /// <summary>A port-forward stream to the pod could not be opened.</summary>
    StreamFailed,

    /// <summary>The pod answered that nothing accepts connections on the port.</summary>
    RemoteRefused,

    /// <summary>A stream broke while carrying a connection, or a local socket failed.</summary>
    StreamBroke,
}
