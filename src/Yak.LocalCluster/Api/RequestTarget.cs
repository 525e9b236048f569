namespace Yak.LocalCluster.Api;

/// <summary>What a resource URL names: a collection (in a namespace or across all) or one object, maybe a subresource of it.</summary>
public sealed record RequestTarget(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    public bool IsCollection => Name is null;

    /// <summary>Parses the segments after <c>/api/v1/</c> or <c>/apis/{group}/{version}/</c>; null when nothing matches.</summary>
    public static RequestTarget? Parse(string group, string version, IReadOnlyList<string> segments)
    {
        if (segments.Count >= 3 && segments[0] == "namespaces")
        {
            var namespaced = ResourceCatalog.Find(group, version, segments[2]);
            if (namespaced is { Namespaced: true })
            {
                return segments.Count switch
                {
                    3 => new RequestTarget(namespaced, segments[1], null, null),
                    4 => new RequestTarget(namespaced, segments[1], segments[3], null),
                    5 => new RequestTarget(namespaced, segments[1], segments[3], segments[4]),
                    _ => null,
                };
            }
        }

        if (segments.Count == 0)
        {
            return null;
        }

        var type = ResourceCatalog.Find(group, version, segments[0]);
        if (type is null)
        {
            return null;
        }

        return segments.Count switch
        {
            1 => new RequestTarget(type, null, null, null),
            2 when !type.Namespaced => new RequestTarget(type, "", segments[1], null),
            3 when !type.Namespaced => new RequestTarget(type, "", segments[1], segments[2]),
            _ => null,
        };
    }
}
