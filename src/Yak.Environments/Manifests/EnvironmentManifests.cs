using k8s;
using k8s.Models;
using Yak.Environments.Spec;

namespace Yak.Environments.Manifests;

/// <summary>Everything to apply for one environment, and what the daemon needs to know about each service.</summary>
/// <param name="NamespaceName">The namespace everything lives in.</param>
/// <param name="Namespace">The namespace object (also the first of <see cref="Objects"/>).</param>
/// <param name="Objects">Every object in apply order: the namespace, Services, then workloads dependencies first.</param>
/// <param name="Services">Per-service facts, in spec order.</param>
public sealed record EnvironmentManifests(
    string NamespaceName,
    V1Namespace Namespace,
    IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects,
    IReadOnlyList<ServiceManifest> Services)
{
    public ServiceManifest? this[string serviceName] => Services.FirstOrDefault(s => s.Name == serviceName);

    /// <summary>Each object as KubernetesJson, as it would be sent for server-side apply.</summary>
    public IReadOnlyList<string> ToJson() => [.. Objects.Select(o => KubernetesJson.Serialize(o))];
}

/// <summary>Workload kind of a service.</summary>
public enum WorkloadKind
{
    Deployment,
    StatefulSet,
}

/// <summary>What the daemon needs to run and watch one service.</summary>
/// <param name="Name">Service name from the spec.</param>
/// <param name="Kind">Deployment or StatefulSet.</param>
/// <param name="WorkloadName">Name of the Deployment or StatefulSet (the service name).</param>
/// <param name="Selector">Labels selecting the service's pods.</param>
/// <param name="AppContainer">Name of the app container (the service name).</param>
/// <param name="SyncContainer"><see cref="SyncSidecar.ContainerName"/> when the service has sync mappings, else null.</param>
/// <param name="KubeServiceName">Name of the Kubernetes Service with the ports, or null when the service has none.</param>
/// <param name="HeadlessServiceName">The StatefulSet's headless Service, or null for Deployments.</param>
/// <param name="Syncs">Sync mappings and where the agent serves each.</param>
/// <param name="Ports">Ports and their local forwards.</param>
/// <param name="ReadyMarker">When set, the app waits for this file; write it with <see cref="SyncSidecar.MarkReadyCommand"/>.</param>
/// <param name="DependsOn">Services to be ready first.</param>
/// <param name="SpecHash">Hash of the pod template (also the pod annotation <c>yak.dev/spec-hash</c>).</param>
/// <param name="DebugProfile">The debug profile it runs under (<c>yakctl debug</c>), or null.</param>
public sealed record ServiceManifest(
    string Name,
    WorkloadKind Kind,
    string WorkloadName,
    IReadOnlyDictionary<string, string> Selector,
    string AppContainer,
    string? SyncContainer,
    string? KubeServiceName,
    string? HeadlessServiceName,
    IReadOnlyList<SyncTarget> Syncs,
    IReadOnlyList<PortTarget> Ports,
    string? ReadyMarker,
    IReadOnlyList<string> DependsOn,
    string SpecHash,
    string? DebugProfile = null);

/// <summary>One sync mapping as the daemon runs it.</summary>
/// <param name="LocalPath">Absolute local folder.</param>
/// <param name="ContainerPath">Where the app container sees it.</param>
/// <param name="AgentRoot">Where the sidecar sees it (the agent's <c>--root</c>; the daemon execs the agent in <see cref="SyncSidecar.ContainerName"/>).</param>
/// <param name="Excludes">Spec excludes (gitignore syntax).</param>
/// <param name="InitialSync">The first sync must finish before the app starts.</param>
/// <param name="ReadOnly">The app mounts it read-only.</param>
public sealed record SyncTarget(
    string LocalPath,
    string ContainerPath,
    string AgentRoot,
    IReadOnlyList<string> Excludes,
    bool InitialSync,
    bool ReadOnly);

/// <summary>A port of a service.</summary>
/// <param name="Name">Port name in the container and the Service.</param>
/// <param name="ContainerPort">Port in the pod (and on the Service).</param>
/// <param name="LocalPort">Local port to forward, or null.</param>
/// <param name="Protocol">TCP or UDP.</param>
public sealed record PortTarget(string Name, int ContainerPort, int? LocalPort, PortProtocol Protocol);
