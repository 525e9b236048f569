namespace Yak.Environments.Manifests;

/// <summary>
/// The contract between the manifests, the <c>yak-sync</c> sidecar and the daemon.
/// <list type="bullet">
/// <item>Every service with sync mappings gets a container <see cref="ContainerName"/> running <see cref="Command"/>
/// (a long-lived idle process that keeps the container up while the app container crash-loops).</item>
/// <item>Mapping <c>i</c> is an emptyDir volume <c>yak-sync-i</c>, mounted in the sidecar at <see cref="AgentRoot"/>(i)
/// and in the app container at the mapping's container path.</item>
/// <item>The daemon syncs a mapping by exec into the sidecar: <see cref="ServeCommand"/>(<see cref="AgentRoot"/>(i)),
/// speaking the sync protocol over the exec's stdin/stdout.</item>
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

    /// <summary>The sidecar's command: <c>yak-agent sidecar --root /yak-sync</c>.</summary>
    public static IReadOnlyList<string> Command { get; } = ["yak-agent", "sidecar", "--root", RootPath];

    /// <summary>Exec'd by the daemon in the app container once the first sync of a new pod is flushed.</summary>
    public static IReadOnlyList<string> MarkReadyCommand { get; } = ["sh", "-c", $": > {ReadyMarker}"];

    /// <summary>The shell script that holds the app until the marker exists, then execs the real command ("$@").</summary>
    public const string WaitScript = $"until [ -e {ReadyMarker} ]; do sleep 0.2; done; exec \"$@\"";

    /// <summary>Name of the emptyDir volume of mapping <paramref name="index"/>.</summary>
    public static string VolumeName(int index) => $"yak-sync-{index}";

    /// <summary>Where the sidecar sees mapping <paramref name="index"/>: <c>/yak-sync/&lt;index&gt;</c>.</summary>
    public static string AgentRoot(int index) => $"{RootPath}/{index}";

    /// <summary>The exec command that serves one mapping over stdin/stdout: <c>yak-agent serve --root ROOT --stdio</c>.</summary>
    public static IReadOnlyList<string> ServeCommand(string agentRoot) => ["yak-agent", "serve", "--root", agentRoot, "--stdio"];
}
