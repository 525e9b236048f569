using Yak.Protocol.Messages;

namespace Yak.Daemon.Images;

/// <summary>What the registry said about one service's tag: a digest, or why there is none.</summary>
internal sealed record ImageLookup(string Service, string Image, string? Digest, ImageResolveException? Failure, TimeSpan Took);

/// <summary>The decision for one service: its outcome, whether it rolls, and the pin it runs with from now on (null: none).</summary>
internal sealed record ImageDecision(ServiceImageInfo Update, ImagePin? Pin);

/// <summary>
/// Decides, per service, whether an update rolls it (pure, so it is tested without a registry): a digest equal to the
/// one the service runs (its pin, else what its pods report running) rolls nothing; a new digest is pinned; a registry
/// that did not answer (or refused yakd's login) falls back to the nodes pulling the tag; an unknown tag rolls nothing.
/// </summary>
internal static class ImageUpdatePlan
{
    public static ImageDecision Decide(ImageLookup lookup, ImagePin? pin, string? running)
    {
        var current = pin is not null && pin.Declared == lookup.Image ? pin : null;
        var previous = current?.Digest ?? running;
        var seconds = lookup.Took.TotalSeconds;
        if (lookup.Digest is { } digest)
        {
            if (previous == digest)
            {
                return new(Update(lookup, ImagePath.Registry, ImageStep.Unchanged, previous, rolled: false, $"{lookup.Image} still names {Short(digest)}", seconds), current);
            }

            var name = ImageName.Parse(lookup.Image, out _);
            var pinned = name?.Pinned(digest) ?? lookup.Image;
            var why = previous is null ? $"{lookup.Image} names {Short(digest)}; the pods now run exactly that" : $"{lookup.Image} moved from {Short(previous)} to {Short(digest)}";
            return new(Update(lookup, ImagePath.Registry, ImageStep.Changed, previous, rolled: true, why, seconds), new ImagePin(lookup.Image, pinned));
        }

        var failure = lookup.Failure!;
        if (failure.Failure == ResolveFailure.NotFound)
        {
            return new(Update(lookup, ImagePath.Registry, ImageStep.NotFound, previous, rolled: false, $"{failure.Message}: left as it runs (push the tag, or fix the image in the spec)", seconds), current);
        }

        var reason = failure.Failure == ResolveFailure.Denied
            ? $"{failure.Message}; restarted with imagePullPolicy: Always so the nodes pull with their own credentials (add a pull secret to the namespace's default service account for digest pinning)"
            : $"{failure.Message}; restarted with imagePullPolicy: Always so the nodes pull the tag themselves";
        return new(Update(lookup, ImagePath.Node, ImageStep.NodePull, previous, rolled: true, reason, seconds), new ImagePin(lookup.Image, null));
    }

    /// <summary>The first 12 hex digits of a digest, as <c>docker images</c> shows them.</summary>
    public static string Short(string digest) => digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length >= 19 ? digest[..19] : digest;

    /// <summary>The digest in a container status's <c>imageID</c> (<c>repo@sha256:…</c>, maybe with a scheme), or null.</summary>
    public static string? DigestOf(string? imageId)
    {
        var at = imageId?.LastIndexOf('@') ?? -1;
        var digest = at >= 0 ? imageId![(at + 1)..] : null;
        return ImageName.IsDigest(digest) ? digest : null;
    }

    private static ServiceImageInfo Update(ImageLookup lookup, ImagePath path, ImageStep outcome, string? previous, bool rolled, string reason, double seconds) => new()
    {
        Service = lookup.Service,
        Image = lookup.Image,
        Path = path,
        Outcome = outcome,
        Digest = lookup.Digest,
        Previous = previous,
        Rolled = rolled,
        Reason = reason,
        ResolveSeconds = seconds,
        PullSeconds = null,
        RolloutSeconds = null,
    };
}
