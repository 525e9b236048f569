using System.Collections.Concurrent;
using k8s.Models;
using Yak.LocalCluster.Runtime.Images;
using Yak.LocalCluster.Streams;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// The node: every container is a local process (see <see cref="ImageTable"/>, <see cref="ContainerLaunch"/>); as
/// root on Linux each pod has its own network namespace and its containers their own mount namespaces.
/// </summary>
public sealed class ProcessPodRuntime : IPodRuntime, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PodInstance> pods = new(StringComparer.Ordinal);
    private readonly PodRuntimeOptions options;

    private readonly Networking.ServiceDirectory? services;

    public ProcessPodRuntime(PodRuntimeOptions options)
        : this(options, null)
    {
    }

    /// <param name="pullSecrets">Reads <c>imagePullSecrets</c> for registries that ask for a login.</param>
    /// <param name="services">The Services the pods' DNS and ClusterIP proxy serve; without it pods get neither.</param>
    public ProcessPodRuntime(PodRuntimeOptions options, IImagePullSecrets? pullSecrets, Networking.ServiceDirectory? services = null)
    {
        this.options = options;
        this.services = services;
        Directory.CreateDirectory(options.StateDirectory);
        Images = new ImageTable(options);
        ContainerImages = new ContainerImages(Images, new ImageStore(options), pullSecrets);
        UsesNamespaces = options.UseNamespaces ?? (LinuxNative.IsRoot && HostCommand.IsOnPath("unshare") && HostCommand.IsOnPath("nsenter"));
    }

    public event Action<PodStatusUpdate>? StatusChanged;

    public event Action<PodEventReport>? EventReported;

    public ImageTable Images { get; }

    /// <summary>The host-tool table and the pulled images (<c>STATE/images</c>).</summary>
    public ContainerImages ContainerImages { get; }

    /// <summary>Whether pods get their own namespaces (root on Linux) or run on the host (fallback).</summary>
    public bool UsesNamespaces { get; }

    public StreamRegistry Streams { get; } = new();

    public Task RunPodAsync(V1Pod pod, CancellationToken cancellationToken) =>
        RunPodAsync(pod, new Dictionary<string, IReadOnlyList<VolumeFile>>(), cancellationToken);

    public Task RunPodAsync(V1Pod pod, IReadOnlyDictionary<string, IReadOnlyList<VolumeFile>> volumeFiles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var uid = pod.Metadata?.Uid;
        if (string.IsNullOrEmpty(uid))
        {
            throw new ArgumentException("the pod has no metadata.uid", nameof(pod));
        }

        var instance = new PodInstance(pod, volumeFiles, update => StatusChanged?.Invoke(update), report => EventReported?.Invoke(report));
        if (pods.TryAdd(uid, instance))
        {
            instance.Start(options, ContainerImages, UsesNamespaces, services);
        }

        return Task.CompletedTask;
    }

    public async Task StopPodAsync(string podUid, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (pods.TryRemove(podUid, out var instance))
        {
            await instance.StopAsync(gracePeriod, cancellationToken).ConfigureAwait(false);
        }
    }

    public bool KillContainer(string podNamespace, string podName, string containerName) =>
        Find(podNamespace, podName)?.FindContainer(containerName)?.Kill() ?? false;

    public int DropAllStreams() => Streams.DropAll();

    /// <summary>The running pod with this uid, or null.</summary>
    public PodInstance? Find(string? uid) => uid is not null && pods.TryGetValue(uid, out var pod) ? pod : null;

    public PodInstance? Find(string podNamespace, string podName) =>
        pods.Values.FirstOrDefault(p => p.Namespace == podNamespace && p.Name == podName);

    /// <summary>Drops every stream and stops every pod (2 s grace): no process or namespace outlives the node.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            Streams.DropAll();
        }
        finally
        {
            await Task.WhenAll(pods.Keys.ToList().Select(uid => StopPodAsync(uid, TimeSpan.FromSeconds(2), CancellationToken.None))).ConfigureAwait(false);
            ContainerImages.Store.Dispose();
        }
    }
}
