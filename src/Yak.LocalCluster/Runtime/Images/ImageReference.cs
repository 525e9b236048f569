using System.Net;
using System.Text.RegularExpressions;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>
/// A parsed image reference as container runtimes read it: <c>[registry/]repository[:tag][@digest]</c>. The first
/// path segment is a registry when it has a dot or a port or is <c>localhost</c>; otherwise the registry is Docker
/// Hub (<c>docker.io</c>, single names under <c>library/</c>). No tag and no digest means <c>latest</c>.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>Whether the reference named its registry (<c>127.0.0.1:5000/x</c>) rather than defaulting to Docker Hub.</summary>
    public bool ExplicitRegistry { get; init; }

    /// <summary>The tag or digest to ask the registry for.</summary>
    public string ManifestReference => Digest ?? Tag ?? "latest";

    /// <summary>Kubernetes' default pull policy: Always for <c>:latest</c> or no tag (and no digest), else IfNotPresent.</summary>
    public string DefaultPullPolicy => Digest is null && (Tag is null || Tag == "latest") ? "Always" : "IfNotPresent";

    /// <summary>Where the registry API is: Docker Hub's API host differs from its name.</summary>
    public string ApiHost => Registry == DockerHub ? "registry-1.docker.io" : Registry;

    /// <summary><c>registry/repository</c>, the prefix of an <c>imageID</c> (<c>registry/repository@sha256:…</c>).</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>The registry is this machine (plain HTTP allowed, as container runtimes allow it for localhost).</summary>
    public bool IsLoopback
    {
        get
        {
            var host = Registry;
            if (host.StartsWith('['))
            {
                host = host[1..host.IndexOf(']', StringComparison.Ordinal)];
            }
            else if (host.LastIndexOf(':') is var colon and > 0)
            {
                host = host[..colon];
            }

            return host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        }
    }

    public override string ToString() => Name + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>Parses a reference; false (with the reason) when it is not a valid image name.</summary>
    public static bool TryParse(string? image, out ImageReference reference, out string error)
    {
        reference = new ImageReference(DockerHub, string.Empty, null, null);
        var text = image?.Trim() ?? string.Empty;
        if (text.Length is 0 or > 4096)
        {
            error = "an image reference must have 1 to 4096 characters";
            return false;
        }

        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            text = text[..at];
            if (!DigestPattern().IsMatch(digest))
            {
                error = $"\"{digest}\" is not a sha256 digest (sha256: and 64 hex digits)";
                return false;
            }
        }

        string? tag = null;
        var lastColon = text.LastIndexOf(':');
        if (lastColon > text.LastIndexOf('/'))
        {
            tag = text[(lastColon + 1)..];
            text = text[..lastColon];
            if (!TagPattern().IsMatch(tag))
            {
                error = $"\"{tag}\" is not a valid tag";
                return false;
            }
        }

        var registry = DockerHub;
        var explicitRegistry = false;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = text[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                registry = first;
                explicitRegistry = true;
                text = text[(slash + 1)..];
            }
        }

        if (registry == DockerHub && !text.Contains('/', StringComparison.Ordinal))
        {
            text = "library/" + text;
        }

        if (!RepositoryPattern().IsMatch(text) || !RegistryPattern().IsMatch(registry))
        {
            error = $"\"{image}\" is not a valid image reference (lower-case [registry/]name[:tag][@sha256:digest])";
            return false;
        }

        reference = new ImageReference(registry, text, tag, digest) { ExplicitRegistry = explicitRegistry };
        error = string.Empty;
        return true;
    }

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    internal static partial Regex DigestPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")]
    private static partial Regex RegistryPattern();
}
