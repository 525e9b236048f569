namespace Yak.Protocol.Messages;

/// <summary>How <c>env/update</c> learnt whether a service's image changed.</summary>
public enum ImagePath
{
    /// <summary>yakd asked the registry for the tag's digest and pinned the pod template to it (<c>image:tag@sha256:…</c>).</summary>
    Registry,

    /// <summary>
    /// The registry did not answer yakd (or refused its login): the pods were restarted with
    /// <c>imagePullPolicy: Always</c>, so each node asks the registry itself, with its own credentials and network.
    /// </summary>
    Node,
}

/// <summary>Where one service's image stands in an <c>env/update</c>.</summary>
public enum ImageStep
{
    /// <summary>Asking the registry for the tag's digest.</summary>
    Resolving,

    /// <summary>The tag names new content: the service rolls to the new digest.</summary>
    Changed,

    /// <summary>The tag names what the service already runs: nothing rolls.</summary>
    Unchanged,

    /// <summary>The registry did not answer yakd: the service restarts and its nodes pull the tag (see <see cref="ImagePath.Node"/>).</summary>
    NodePull,

    /// <summary>The registry has no such tag: the service is left as it runs.</summary>
    NotFound,

    /// <summary>A node is pulling the image for a new pod.</summary>
    Pulling,

    /// <summary>A node pulled the image for a new pod.</summary>
    Pulled,
}

/// <summary><c>environment</c> image: a step of <c>env/update</c> for one service's image.</summary>
public sealed class EnvImageInfo
{
    public required string Service { get; init; }

    public required ImageStep Step { get; init; }

    /// <summary>The image as the spec names it.</summary>
    public required string Image { get; init; }

    /// <summary>The digest the tag resolved to (Changed, Unchanged), else null.</summary>
    public required string? Digest { get; init; }

    /// <summary>Why (NodePull, NotFound), or the node's word (Pulling, Pulled); else null.</summary>
    public required string? Message { get; init; }
}

/// <summary>What <c>env/update</c> did with one service's image.</summary>
public sealed class ServiceImageInfo
{
    public required string Service { get; init; }

    /// <summary>The image as the spec names it.</summary>
    public required string Image { get; init; }

    public required ImagePath Path { get; init; }

    /// <summary>Changed, Unchanged, NodePull or NotFound.</summary>
    public required ImageStep Outcome { get; init; }

    /// <summary>The digest the tag names now (registry path), else null.</summary>
    public required string? Digest { get; init; }

    /// <summary>The digest the service ran before, when known.</summary>
    public required string? Previous { get; init; }

    /// <summary>Whether the service's pods were replaced.</summary>
    public required bool Rolled { get; init; }

    /// <summary>Why this path and outcome, in words.</summary>
    public required string Reason { get; init; }

    /// <summary>Seconds spent asking the registry.</summary>
    public required double ResolveSeconds { get; init; }

    /// <summary>Seconds the nodes reported pulling the image for the new pods, or null when nothing was pulled.</summary>
    public required double? PullSeconds { get; init; }

    /// <summary>Seconds from the apply to the service being ready again, or null when it did not roll (or is not ready).</summary>
    public required double? RolloutSeconds { get; init; }
}
