using k8s.Models;
using Yak.LocalCluster.Runtime.Images;

namespace Yak.LocalCluster.Runtime;

/// <summary>What every container of a pod shares: the pod object, its sandbox, its folders and the node's options.</summary>
internal sealed class PodContext(V1Pod pod, PodSandbox sandbox, PodRuntimeOptions options, ContainerImages containerImages, IReadOnlyDictionary<string, string> volumeFolders, string? hostsFile, Action<PodEventReport> report, string? resolvConf = null)
{
    /// <summary>Pulls or finds the containers' images.</summary>
    public ContainerImages Images { get; } = containerImages;

    /// <summary>Records an event about the pod, as the kubelet does (type Normal or Warning).</summary>
    public void Report(string type, string reason, string message) => report(new PodEventReport(Namespace, Name, Uid, type, reason, message));

    /// <summary>The pod's <c>/etc/hosts</c> (sandboxed pods only).</summary>
    public string? HostsFile { get; } = hostsFile;

    /// <summary>The pod's <c>/etc/resolv.conf</c> (sandboxed pods with cluster DNS only).</summary>
    public string? ResolvConf { get; } = resolvConf;

    public V1Pod Pod { get; } = pod;

    public string Name => Pod.Metadata?.Name ?? string.Empty;

    public string Namespace => Pod.Metadata?.NamespaceProperty ?? "default";

    public string Uid => Pod.Metadata?.Uid ?? string.Empty;

    public PodSandbox Sandbox { get; } = sandbox;

    public PodRuntimeOptions Options { get; } = options;

    public IReadOnlyDictionary<string, string> VolumeFolders { get; } = volumeFolders;

    public string RestartPolicy => Pod.Spec?.RestartPolicy ?? "Always";

    public string LogsFolder => Path.Combine(Options.StateDirectory, "pods", Uid, "logs");

    public ImageEntry ImageFor(V1Container container) =>
        Images.Table.Resolve(container.Image) ?? new ImageEntry(container.Image ?? string.Empty, [], [], new Dictionary<string, string>());
}
