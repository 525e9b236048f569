namespace Yak.Environments.Manifests;

/// <summary>What the manifests depend on besides the spec: who owns them and where and how they run.</summary>
public sealed record ManifestOptions
{
    /// <summary>The developer (any text; folded into a DNS label for the namespace and the owner label).</summary>
    public required string Owner { get; init; }

    /// <summary>
    /// Image of the <c>yak-sync</c> sidecar: a base image the daemon installs the agent into (config
    /// <c>agent.baseImage</c>, default <see cref="SyncSidecar.DefaultBaseImage"/>), or a prebuilt agent image (config
    /// <c>agent.image</c>, with <see cref="SyncSidecar.PrebuiltImageCommand"/>).
    /// </summary>
    public string SidecarImage { get; init; } = SyncSidecar.DefaultBaseImage;

    /// <summary>
    /// Command of the <c>yak-sync</c> sidecar; default <see cref="SyncSidecar.Command"/>. It must keep running (it only
    /// keeps the container up; the daemon execs the serving agent beside it).
    /// </summary>
    public IReadOnlyList<string> SidecarCommand { get; init; } = SyncSidecar.Command;

    /// <summary>Placement for every workload unless <see cref="ServicePlacements"/> names the service.</summary>
    public Placement Placement { get; init; } = Placement.Anywhere;

    /// <summary>Per-service placement, e.g. the zone of a StatefulSet's existing volume.</summary>
    public IReadOnlyDictionary<string, Placement> ServicePlacements { get; init; } = new Dictionary<string, Placement>();

    /// <summary>
    /// Per-service restart token (e.g. an RFC 3339 time) written to the pod template's
    /// <c>kubectl.kubernetes.io/restartedAt</c> annotation. Changing it rolls the pods (<c>yakctl update</c>); the
    /// daemon must pass the same token again on later applies, or the annotation is removed and the pods roll again.
    /// </summary>
    public IReadOnlyDictionary<string, string> RestartTokens { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Services run under one of their debug profiles (<c>yakctl debug</c>): their manifests are those of
    /// <see cref="Debug.DebugLaunch.Apply"/>, so the change rolls out and every later apply keeps it.
    /// </summary>
    public IReadOnlyDictionary<string, Debug.DebugChoice> Debugging { get; init; } = new Dictionary<string, Debug.DebugChoice>();

    /// <summary>Per-service image of the app container as <c>yakctl update</c> fetched it (absent: the spec's image as written).</summary>
    public IReadOnlyDictionary<string, ServiceImage> Images { get; init; } = new Dictionary<string, ServiceImage>();

    /// <summary>Storage class of the volume claims, or null for the cluster default.</summary>
    public string? StorageClassName { get; init; }

    /// <summary>Overrides the namespace name (by default <see cref="Naming.KubeNames.Namespace"/> of owner and environment).</summary>
    public string? Namespace { get; init; }
}
