namespace Yak.Daemon.Images;

/// <summary>Why a tag could not be resolved to a digest.</summary>
internal enum ResolveFailure
{
    /// <summary>The registry did not answer (no route, DNS, TLS, timeout, 5xx): the nodes may still reach it.</summary>
    Unreachable,

    /// <summary>The registry refused the login yakd has (or has none): the nodes may have their own.</summary>
    Denied,

    /// <summary>The registry answered that the tag does not exist: no node can pull it either.</summary>
    NotFound,
}

internal sealed class ImageResolveException(ResolveFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public ResolveFailure Failure { get; } = failure;
}
