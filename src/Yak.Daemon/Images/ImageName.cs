using System.Net;

namespace Yak.Daemon.Images;

/// <summary>
/// An image reference as container runtimes read it: <c>[registry/]repository[:tag][@sha256:…]</c>. The first path
/// segment is a registry when it has a dot or a port or is <c>localhost</c>; otherwise the registry is Docker Hub
/// (single names under <c>library/</c>). No tag and no digest means <c>latest</c>.
/// </summary>
internal sealed record ImageName(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>What the reference said before it was parsed (kept as the user wrote it, for messages and pins).</summary>
    public required string Text { get; init; }

    /// <summary>Where the registry's API answers: Docker Hub's API host differs from its name.</summary>
    public string ApiHost => Registry == DockerHub ? "registry-1.docker.io" : Registry;

    /// <summary>The tag asked for (<c>latest</c> when none was given).</summary>
    public string TagOrLatest => Tag ?? "latest";

    /// <summary>A registry on this machine: plain HTTP, as container runtimes allow it for loopback registries.</summary>
    public bool IsLoopback => IsLoopbackHost(Registry);

    /// <summary>
    /// The reference pinned to <paramref name="digest"/>, the tag kept for humans: <c>repo:tag@sha256:…</c>. Runtimes
    /// pull by the digest and ignore the tag, so a node that cached the tag still fetches the new content.
    /// </summary>
    public string Pinned(string digest)
    {
        var at = Text.IndexOf('@', StringComparison.Ordinal);
        return (at >= 0 ? Text[..at] : Text) + "@" + digest;
    }

    public static bool IsLoopbackHost(string hostAndPort)
    {
        var host = hostAndPort;
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            host = end > 0 ? host[1..end] : host;
        }
        else if (host.LastIndexOf(':') is var colon and > 0)
        {
            host = host[..colon];
        }

        return host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>The parsed reference, or null (with the reason) when it is not one a registry can answer for.</summary>
    public static ImageName? Parse(string? image, out string error)
    {
        var text = image?.Trim() ?? string.Empty;
        if (text.Length is 0 or > 1024 || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            error = $"'{image}' is not an image reference";
            return null;
        }

        var rest = text;
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!IsDigest(digest))
            {
                error = $"'{digest}' in '{text}' is not a sha256 digest";
                return null;
            }
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (tag.Length is 0 or > 128 || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                error = $"'{tag}' in '{text}' is not a tag";
                return null;
            }
        }

        var registry = DockerHub;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && rest[..slash] is var first && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            registry = first;
            rest = rest[(slash + 1)..];
        }

        if (registry == DockerHub && !rest.Contains('/', StringComparison.Ordinal))
        {
            rest = "library/" + rest;
        }

        if (rest.Length == 0 || rest.Split('/').Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-')))
        {
            error = $"'{text}' is not an image reference (lower-case [registry/]name[:tag][@sha256:digest])";
            return null;
        }

        error = string.Empty;
        return new ImageName(registry, rest, tag, digest) { Text = text };
    }

    public static bool IsDigest(string? text) =>
        text is { Length: 71 } && text.StartsWith("sha256:", StringComparison.Ordinal) && text.AsSpan(7).ContainsAnyExcept("0123456789abcdef") is false;
}
