namespace Yak.Environments.Spec;

/// <summary>One service of an environment.</summary>
/// <param name="Name">The service name (a DNS-1035 label: lowercase, starts with a letter).</param>
/// <param name="Image">Container image reference.</param>
/// <param name="Command">Replaces the image's entrypoint (compose <c>entrypoint</c>), or null to keep it.</param>
/// <param name="Args">Replaces the image's CMD (compose <c>command</c>), or null to keep it.</param>
/// <param name="WorkingDir">Working directory in the container, or null.</param>
/// <param name="Env">Environment variables, in file order; later duplicates were merged by the loader.</param>
/// <param name="Ports">Container ports and their local forwards.</param>
/// <param name="Syncs">Local folders synced into the container.</param>
/// <param name="Volumes">Persistent volumes; a service with any becomes a StatefulSet.</param>
/// <param name="Readiness">Readiness probe, or null.</param>
/// <param name="DependsOn">Services applied and waited for first (how: <see cref="DependencyOn"/>).</param>
/// <param name="Resources">Requests and limits.</param>
/// <param name="Replicas">Pod count.</param>
/// <param name="DebugProfiles">Ways to run it under a debugger (<c>debug:</c>), or null for none.</param>
/// <param name="Dependencies">What each of <paramref name="DependsOn"/> must reach first, or null: ready, required (yak.yaml).</param>
/// <param name="ProfileNames">Compose <c>profiles</c>: the service runs only when one is active (<c>--profile</c>); null or empty: always.</param>
public sealed record ServiceSpec(
    string Name,
    string Image,
    IReadOnlyList<string>? Command,
    IReadOnlyList<string>? Args,
    string? WorkingDir,
    IReadOnlyList<EnvVar> Env,
    IReadOnlyList<PortSpec> Ports,
    IReadOnlyList<SyncSpec> Syncs,
    IReadOnlyList<VolumeSpec> Volumes,
    ReadinessSpec? Readiness,
    IReadOnlyList<string> DependsOn,
    ResourceSpec Resources,
    int Replicas,
    IReadOnlyList<DebugProfile>? DebugProfiles = null,
    IReadOnlyList<ServiceDependency>? Dependencies = null,
    IReadOnlyList<string>? ProfileNames = null)
{
    public IReadOnlyList<string> Profiles => ProfileNames ?? [];

    /// <summary>How this service depends on <paramref name="service"/> (one of <see cref="DependsOn"/>): by default it waits until that one is ready.</summary>
    public ServiceDependency DependencyOn(string service) =>
        Dependencies?.FirstOrDefault(d => d.Service == service) ?? new ServiceDependency(service, DependencyCondition.Ready, Required: true);

    /// <summary>The service's debug profiles, in file order.</summary>
    public IReadOnlyList<DebugProfile> Debug => DebugProfiles ?? [];

    /// <summary>True when the service keeps data in persistent volumes (StatefulSet).</summary>
    public bool IsStateful => Volumes.Count > 0;

    /// <summary>True when some sync mapping asks for the first sync to finish before the app starts.</summary>
    public bool WaitsForInitialSync => Syncs.Any(s => s.InitialSync);
}

/// <summary>What a dependency must reach before its dependent is applied (compose <c>depends_on</c> conditions).</summary>
public enum DependencyCondition
{
    /// <summary>A pod of it runs its app container (compose <c>service_started</c>).</summary>
    Started,

    /// <summary>Every replica is Ready, readiness probe passed (compose <c>service_healthy</c>; yak.yaml's <c>dependsOn</c>).</summary>
    Ready,

    /// <summary>Its app container exited with 0 (compose <c>service_completed_successfully</c>).</summary>
    Completed,
}

/// <summary>One dependency of a service.</summary>
/// <param name="Service">The service depended on.</param>
/// <param name="Condition">What it must reach first.</param>
/// <param name="Required">False (compose <c>required: false</c>): a dependency left out by the active profiles is skipped, not an error.</param>
public sealed record ServiceDependency(string Service, DependencyCondition Condition, bool Required);

/// <summary>An environment variable.</summary>
public sealed record EnvVar(string Name, string Value);

/// <summary>Transport protocol of a port.</summary>
public enum PortProtocol
{
    Tcp,
    Udp,
}

/// <summary>A container port and, when <see cref="LocalPort"/> is set, the localhost port forwarded to it.</summary>
/// <param name="ContainerPort">Port the container listens on.</param>
/// <param name="LocalPort">Port on the developer's machine, or null for no forward.</param>
/// <param name="Protocol">TCP or UDP (forwards are TCP only).</param>
/// <param name="Name">Port name (IANA service name, at most 15 characters), or null to generate one.</param>
public sealed record PortSpec(int ContainerPort, int? LocalPort, PortProtocol Protocol, string? Name);

/// <summary>A local folder kept in sync with a folder in the container (one-way, laptop to container).</summary>
/// <param name="LocalPath">Absolute local folder (resolved against the spec file's folder).</param>
/// <param name="ContainerPath">Absolute path in the app container.</param>
/// <param name="Excludes">Extra ignore patterns (gitignore syntax).</param>
/// <param name="InitialSync">True when the first sync must complete before the app starts.</param>
/// <param name="ReadOnly">True when the app container mounts the folder read-only.</param>
public sealed record SyncSpec(string LocalPath, string ContainerPath, IReadOnlyList<string> Excludes, bool InitialSync, bool ReadOnly);

/// <summary>A persistent volume claimed per pod (volumeClaimTemplate).</summary>
/// <param name="Name">Volume name (DNS-1123 label).</param>
/// <param name="Size">Requested size as a Kubernetes quantity, e.g. <c>1Gi</c>.</param>
/// <param name="MountPath">Absolute mount path in the app container.</param>
public sealed record VolumeSpec(string Name, string Size, string MountPath);

/// <summary>CPU and memory requests and limits as Kubernetes quantities; null means unset.</summary>
public sealed record ResourceSpec(string? CpuRequest, string? MemoryRequest, string? CpuLimit, string? MemoryLimit)
{
    public static ResourceSpec None { get; } = new(null, null, null, null);

    public bool IsEmpty => this == None;
}
