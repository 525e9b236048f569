namespace Yak.Environments.Manifests;

/// <summary>
/// The contract between the manifests, the <c>yak-sync</c> sidecar and the daemon.
/// <list type="bullet">
/// <item>Every service with sync mappings gets a container <see cref="ContainerName"/> from a small public base image
/// (<see cref="DefaultBaseImage"/>) running <see cref="Command"/> (an idle shell that keeps the container up while the
/// app container crash-loops). The daemon installs yak-agent into its emptyDir <see cref="AgentVolume"/> at
/// <see cref="AgentMountPath"/> over exec; nothing yak-specific is pulled. With a prebuilt agent image instead, the
/// command is <see cref="PrebuiltImageCommand"/>.</item>
/// <item>Mapping <c>i</c> is an emptyDir volume <c>yak-sync-i</c>, mounted in the sidecar at <see cref="AgentRoot"/>(i)
/// and in the app container at the mapping's container path.</item>
/// <item>The daemon syncs a mapping by exec into the sidecar (<c>AGENT serve --root</c> <see cref="AgentRoot"/>(i)
/// <c>--stdio</c>), speaking the sync protocol over the exec's stdin/stdout.</item>
/// <item>When a mapping has <c>initialSync</c>, the app container's command is wrapped to wait for
/// <see cref="ReadyMarker"/> (an emptyDir <c>yak-gate</c> at <see cref="GateMountPath"/>, so it survives app restarts
/// but not pod replacement). After the first flush of every mapping of a new pod the daemon execs
/// <see cref="MarkReadyCommand"/> in the app container (which has <c>sh</c>, since the wrapper runs in it).</item>
/// </list>
/// </summary>
public static class SyncSidecar
{
    public const string ContainerName = "yak-sync";
    public const string RootPath = "/yak-sync";
    public const string GateVolume = "yak-gate";
    public const string GateMountPath = "/.yak";
    public const string ReadyMarker = "/.yak/ready";
    public const string AgentVolume = "yak-agent";
    public const string AgentMountPath = "/.yak-agent";

    /// <summary>
    /// The sidecar's default image: busybox from Docker Hub's official library, pinned by tag and named in full (CRI-O
    /// and Podman refuse short names). It is about 2 MB, mirrored by every registry cache and cloud mirror, and has the
    /// shell and tools delivery needs (sh, uname, head, sha256sum, mkdir, chmod, mv, rm). The delivered agent is a
    /// statically linked executable, so the image's C library does not matter.
    /// </summary>
    public const string DefaultBaseImage = "docker.io/library/busybox:1.37.0";

    /// <summary>The sidecar's command on a base image: idle until SIGTERM (sleep in the background so the trap runs at once).</summary>
    public static IReadOnlyList<string> Command { get; } = ["sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

    /// <summary>The sidecar's command on a prebuilt agent image (config <c>agent.image</c>): <c>yak-agent sidecar --root /yak-sync</c>.</summary>
    public static IReadOnlyList<string> PrebuiltImageCommand { get; } = ["yak-agent", "sidecar", "--root", RootPath];

    /// <summary>Exec'd by the daemon in the app container once the first sync of a new pod is flushed.</summary>
    public static IReadOnlyList<string> MarkReadyCommand { get; } = ["sh", "-c", $": > {ReadyMarker}"];

    /// <summary>The shell script that holds the app until the marker exists, then execs the real command ("$@").</summary>
    public const string WaitScript = $"until [ -e {ReadyMarker} ]; do sleep 0.2; done; exec \"$@\"";

    /// <summary>Name of the emptyDir volume of mapping <paramref name="index"/>.</summary>
    public static string VolumeName(int index) => $"yak-sync-{index}";

    /// <summary>Where the sidecar sees mapping <paramref name="index"/>: <c>/yak-sync/&lt;index&gt;</c>.</summary>
    public static string AgentRoot(int index) => $"{RootPath}/{index}";
}
