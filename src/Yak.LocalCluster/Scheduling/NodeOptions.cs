namespace Yak.LocalCluster.Scheduling;

/// <summary>
/// One Node the cluster reports. Every node runs its pods on this machine (there is one runtime); nodes exist so that
/// placement (zones, nodeSelector, affinity, taints) can be exercised as on a multi-node cluster.
/// </summary>
public sealed record NodeOptions(string Name)
{
    /// <summary>The one node a cluster has unless told otherwise.</summary>
    public static NodeOptions Default { get; } = new("yak-local");

    /// <summary><c>topology.kubernetes.io/zone</c>.</summary>
    public string Zone { get; init; } = "local-a";

    /// <summary><c>topology.kubernetes.io/region</c>.</summary>
    public string Region { get; init; } = "local";

    /// <summary>Extra labels (they win over the built-in ones).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary><c>spec.taints</c>, e.g. <c>new NodeTaint("dedicated", "dev", "NoSchedule")</c>.</summary>
    public IReadOnlyList<NodeTaint> Taints { get; init; } = [];

    /// <summary>Parses the command line's <c>NAME[:ZONE]</c>.</summary>
    public static NodeOptions Parse(string text)
    {
        var parts = text.Split(':', 2);
        var node = new NodeOptions(parts[0]);
        return parts.Length == 2 && parts[1].Length > 0 ? node with { Zone = parts[1] } : node;
    }
}

/// <summary>A node taint (<c>effect</c>: NoSchedule, PreferNoSchedule or NoExecute).</summary>
public sealed record NodeTaint(string Key, string? Value, string Effect);
