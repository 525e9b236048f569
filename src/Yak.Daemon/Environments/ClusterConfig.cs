using Yak.Environments.Manifests;

namespace Yak.Daemon.Environments;

/// <summary>
/// <c>$XDG_CONFIG_HOME/yak/config.yaml</c>, as options (read and validated by Configuration/):
/// <code>
/// owner: alice                  # optional, default: the login name
/// sidecarCommand: [...]         # optional: the yak-sync container's command
/// agent:
///   baseImage: registry.corp/mirror/busybox:1.37.0   # the sync sidecar's image; yakd installs yak-agent into it
///   image: registry.corp/yak/yak-agent:0.1.0         # or: a prebuilt agent image (packaging/), nothing installed
/// clusters:
///   - name: eu
///     kubeconfig: ~/.kube/config
///     context: eu-1
///     capacity: 20              # most environments placed here (0: no limit)
///     zone: eu-west-1a
///     taints: [{ key: dedicated, value: dev, effect: NoSchedule }]
///     agent: { baseImage: … }   # overrides the global agent settings for environments on this cluster
/// telemetry:                    # optional: OTLP export of waits (Telemetry/TelemetryConfig)
///   otlp: { endpoint: https://otel.corp:4318 }
/// </code>
/// </summary>
internal sealed class ClusterConfig
{
    public string? Owner { get; set; }

    public List<string>? SidecarCommand { get; set; }

    public AgentConfig? Agent { get; set; }

    public List<ClusterEntry> Clusters { get; set; } = [];

    /// <summary>Optional OTLP export of the waits yakd measures (see Telemetry/).</summary>
    public Yak.Daemon.Telemetry.TelemetryConfig? Telemetry { get; set; }

    /// <summary>The agent settings for environments on <paramref name="cluster"/>: its own, else the global ones.</summary>
    public AgentConfig AgentFor(string? cluster)
    {
        var own = Clusters.FirstOrDefault(c => c.Name == cluster)?.Agent;
        return new AgentConfig
        {
            BaseImage = own?.BaseImage ?? Agent?.BaseImage,
            Image = own?.Image ?? Agent?.Image,
        };
    }
}

internal sealed class ClusterEntry
{
    public string Name { get; set; } = string.Empty;

    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }

    public int Capacity { get; set; }

    public string? Zone { get; set; }

    public List<TaintEntry>? Taints { get; set; }

    public AgentConfig? Agent { get; set; }

    public Placement Placement => new(Zone, [.. (Taints ?? []).Select(t => new PlacementTaint(t.Key, t.Value, t.Effect))]);
}

internal sealed class TaintEntry
{
    public string Key { get; set; } = string.Empty;

    public string? Value { get; set; }

    public string? Effect { get; set; }
}

/// <summary>How the sync sidecar gets its agent: installed into <see cref="BaseImage"/>, or prebuilt in <see cref="Image"/>.</summary>
internal sealed class AgentConfig
{
    /// <summary>Public image the agent is installed into (needs sh, uname, head, sha256sum, mkdir, chmod, mv, rm).</summary>
    public string? BaseImage { get; set; }

    /// <summary>A prebuilt agent image (packaging/build-agent-image.sh); when set nothing is installed.</summary>
    public string? Image { get; set; }

    public string SidecarImage => Image ?? BaseImage ?? SyncSidecar.DefaultBaseImage;

    public IReadOnlyList<string> SidecarCommand => Image is null ? SyncSidecar.Command : SyncSidecar.PrebuiltImageCommand;

    public void Validate(string where)
    {
        foreach (var (key, value) in new[] { ("baseImage", BaseImage), ("image", Image) })
        {
            if (value is not null && (value.Length is 0 or > 512 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            {
                throw new InvalidOperationException($"{where}.{key}: '{value}' is not an image reference (e.g. docker.io/library/busybox:1.37.0).");
            }
        }
    }
}
