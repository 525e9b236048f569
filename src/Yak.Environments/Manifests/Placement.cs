namespace Yak.Environments.Manifests;

/// <summary>
/// Where a service's pods must run: pinned to a zone with required node affinity (the zone of its existing volume)
/// and tolerating the per-zone taints of the cluster.
/// </summary>
/// <param name="Zone">Value of <c>topology.kubernetes.io/zone</c> the pods must run in, or null for any zone.</param>
/// <param name="Taints">Taints the pods tolerate.</param>
public sealed record Placement(string? Zone, IReadOnlyList<PlacementTaint> Taints)
{
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    public static Placement Anywhere { get; } = new(null, []);
}

/// <summary>A node taint to tolerate. A null <see cref="Value"/> tolerates the key with any value.</summary>
/// <param name="Key">Taint key.</param>
/// <param name="Value">Taint value, or null.</param>
/// <param name="Effect"><c>NoSchedule</c>, <c>PreferNoSchedule</c>, <c>NoExecute</c>, or null for all effects.</param>
public sealed record PlacementTaint(string Key, string? Value, string? Effect);
