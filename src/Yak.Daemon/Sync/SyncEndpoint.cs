using System.Diagnostics.CodeAnalysis;

namespace Yak.Daemon.Sync;

/// <summary>
/// Where a sync session's replica lives: <c>local:DIR</c> (an agent process on this machine) or
/// <c>pod:NAMESPACE/POD[/CONTAINER]:PATH</c> (the agent in a pod, reached through exec).
/// </summary>
internal abstract record SyncEndpoint
{
    public static bool TryParse(string text, [NotNullWhen(true)] out SyncEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (text.StartsWith("local:", StringComparison.Ordinal))
        {
            var path = text["local:".Length..];
            if (path.Length == 0 || !Path.IsPathRooted(path))
            {
                error = $"'{text}': a local endpoint needs an absolute folder, e.g. local:/tmp/replica.";
                return false;
            }

            endpoint = new LocalSyncEndpoint(Path.GetFullPath(path));
            error = null;
            return true;
        }

        if (text.StartsWith("pod:", StringComparison.Ordinal))
        {
            var rest = text["pod:".Length..];
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            var target = colon < 0 ? [] : rest[..colon].Split('/');
            var path = colon < 0 ? string.Empty : rest[(colon + 1)..];
            if (target.Length is < 2 or > 3 || target.Any(string.IsNullOrWhiteSpace) || !path.StartsWith('/'))
            {
                error = $"'{text}': a pod endpoint is pod:NAMESPACE/POD[/CONTAINER]:/ABSOLUTE/PATH.";
                return false;
            }

            endpoint = new PodSyncEndpoint(target[0], target[1], target.Length == 3 ? target[2] : null, path);
            error = null;
            return true;
        }

        if (text.StartsWith("selector:", StringComparison.Ordinal))
        {
            // selector:NS/LABEL_SELECTOR/CONTAINER:/PATH — the selector may itself hold '/' (yak.dev/service=web),
            // so the namespace is the first segment and the container the last.
            var rest = text["selector:".Length..];
            var colon = rest.LastIndexOf(":/", StringComparison.Ordinal);
            var target = colon < 0 ? string.Empty : rest[..colon];
            var path = colon < 0 ? string.Empty : rest[(colon + 1)..];
            var firstSlash = target.IndexOf('/', StringComparison.Ordinal);
            var lastSlash = target.LastIndexOf('/');
            if (firstSlash <= 0 || lastSlash <= firstSlash + 1 || lastSlash == target.Length - 1 || !target[(firstSlash + 1)..lastSlash].Contains('=', StringComparison.Ordinal))
            {
                error = $"'{text}': a selector endpoint is selector:NAMESPACE/LABEL=VALUE[,…]/CONTAINER:/ABSOLUTE/PATH.";
                return false;
            }

            endpoint = new SelectorSyncEndpoint(target[..firstSlash], target[(firstSlash + 1)..lastSlash], target[(lastSlash + 1)..], path);
            error = null;
            return true;
        }

        error = $"'{text}' is not a sync endpoint: use local:/DIR, pod:NAMESPACE/POD[/CONTAINER]:/PATH or selector:NAMESPACE/LABELS/CONTAINER:/PATH.";
        return false;
    }
}

internal sealed record LocalSyncEndpoint(string Path) : SyncEndpoint
{
    public override string ToString() => $"local:{Path}";
}

/// <summary>The newest pod matching the label selector whose container runs, picked again at every reconnect (follows pod replacement).</summary>
internal sealed record SelectorSyncEndpoint(string Namespace, string Selector, string Container, string Path) : SyncEndpoint
{
    public override string ToString() => $"selector:{Namespace}/{Selector}/{Container}:{Path}";
}

internal sealed record PodSyncEndpoint(string Namespace, string Pod, string? Container, string Path) : SyncEndpoint
{
    public override string ToString() => $"pod:{Namespace}/{Pod}{(Container is null ? "" : "/" + Container)}:{Path}";
}

/// <summary>A session to create, as components of the daemon ask for one (the RPC target parses <c>sync/create</c> into it).</summary>
internal sealed record SyncSessionSpec(string Name, string LocalPath, SyncEndpoint Endpoint, IReadOnlyList<string> Excludes, string Kubeconfig, string Context);
