namespace Yak.Daemon.Images;

/// <summary>
/// What <c>yakctl update</c> fixed for a service's image, kept in the environment's record and passed on every apply:
/// the spec's reference it was fetched for, and the digest-pinned reference (null: the nodes pull the tag with
/// <c>imagePullPolicy: Always</c>, when yakd could not ask the registry). A pin for another reference than the spec's
/// is stale (the developer changed the image) and is dropped.
/// </summary>
internal sealed record ImagePin(string Declared, string? Pinned)
{
    /// <summary>The digest of <see cref="Pinned"/>, or null.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Digest => Pinned is { } pinned && pinned.LastIndexOf('@') is var at and > 0 ? pinned[(at + 1)..] : null;
}
