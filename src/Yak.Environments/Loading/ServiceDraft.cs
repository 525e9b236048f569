using Yak.Environments.Spec;
using Yak.Environments.Yaml;

namespace Yak.Environments.Loading;

/// <summary>A service being read, with the node of every part kept for the cross-service checks.</summary>
internal sealed class ServiceDraft(string name, YScalar keyNode, YNode node, string path)
{
    public string Name { get; } = name;

    public YScalar KeyNode { get; } = keyNode;

    public YNode Node { get; } = node;

    public string Path { get; } = path;

    public string? Image { get; set; }

    public IReadOnlyList<string>? Command { get; set; }

    public IReadOnlyList<string>? Args { get; set; }

    public string? WorkingDir { get; set; }

    public List<EnvVar> Env { get; set; } = [];

    public List<Located<PortSpec>> Ports { get; } = [];

    public List<Located<SyncSpec>> Syncs { get; } = [];

    public List<Located<VolumeSpec>> Volumes { get; } = [];

    public ReadinessSpec? Readiness { get; set; }

    public List<Located<string>> DependsOn { get; } = [];

    /// <summary>Conditions of <see cref="DependsOn"/> when the file gives them (compose); yak.yaml's wait until ready.</summary>
    public List<ServiceDependency> Dependencies { get; } = [];

    public List<string> Profiles { get; } = [];

    public ResourceSpec Resources { get; set; } = ResourceSpec.None;

    public int Replicas { get; set; } = 1;

    public List<DebugProfile> Debug { get; } = [];

    /// <summary>Where <c>debug:</c> was read, for the checks that need the service's command and ports.</summary>
    public YNode? DebugNode { get; set; }

    public ServiceSpec ToSpec() => new(
        Name,
        Image ?? string.Empty,
        Command,
        Args,
        WorkingDir,
        Env,
        [.. Ports.Select(p => p.Value)],
        [.. Syncs.Select(s => s.Value)],
        [.. Volumes.Select(v => v.Value)],
        Readiness,
        [.. DependsOn.Select(d => d.Value)],
        Resources,
        Replicas,
        Debug.Count > 0 ? [.. Debug] : null,
        Dependencies.Count > 0 ? [.. Dependencies] : null,
        Profiles.Count > 0 ? [.. Profiles] : null);
}

/// <summary>A value with the node and path it was read from.</summary>
internal sealed record Located<T>(T Value, YNode Node, string Path);
