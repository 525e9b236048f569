using k8s;
using k8s.Models;
using Yak.Kube;
using Yak.Kube.Watching;
using Yak.LocalCluster.Hosting;
using Yak.Testing;

namespace Yak.Testing.Cluster;

/// <summary>An in-process local cluster for one test, reached through its kubeconfig like any cluster.</summary>
public sealed class LocalClusterFixture : IAsyncDisposable
{
    private readonly TempDirectory state;

    private LocalClusterFixture(TempDirectory state, LocalClusterHost host, KubeConnection connection)
    {
        this.state = state;
        Host = host;
        Connection = connection;
    }

    public LocalClusterHost Host { get; }

    public KubeConnection Connection { get; }

    public IKubernetes Client => Connection.Client;

    /// <param name="time">The cluster's clock (token expiry, controllers' schedules); tests pass a fake one to move it.</param>
    /// <param name="nodes">The nodes the cluster reports (default: one, <c>yak-local</c>).</param>
    public static async Task<LocalClusterFixture> StartAsync(TimeProvider? time = null, IReadOnlyList<Yak.LocalCluster.Scheduling.NodeOptions>? nodes = null)
    {
        var state = new TempDirectory("yak-kube-");
        var options = new LocalClusterOptions { StateDirectory = state.Path, Time = time ?? TimeProvider.System, Nodes = nodes ?? [Yak.LocalCluster.Scheduling.NodeOptions.Default] };
        var host = await LocalClusterHost.StartAsync(options).DefaultTimeout();
        var connection = KubeClientFactory.Create(new KubeTarget(host.KubeconfigPath, "yak-local"));
        return new LocalClusterFixture(state, host, connection);
    }

    /// <summary>An app container and a yak-sync sidecar sharing the code volume at /code, as environments lay them out.</summary>
    public static V1Pod SidecarPod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = "busybox",
                    Command = ["sh", "-c", "exec sleep 100000"],
                    VolumeMounts = [new V1VolumeMount { Name = "code", MountPath = "/code" }],
                },
                new V1Container
                {
                    // A plain base image: yakd installs yak-agent into the yak-agent volume over exec.
                    Name = "yak-sync",
                    Image = "busybox",
                    Command = ["sh", "-c", "exec sleep 100000"],
                    VolumeMounts =
                    [
                        new V1VolumeMount { Name = "code", MountPath = "/code" },
                        new V1VolumeMount { Name = "yak-agent", MountPath = "/.yak-agent" },
                    ],
                },
            ],
            Volumes =
            [
                new V1Volume { Name = "code", EmptyDir = new V1EmptyDirVolumeSource() },
                new V1Volume { Name = "yak-agent", EmptyDir = new V1EmptyDirVolumeSource() },
            ],
        },
    };

    /// <summary>Where the local cluster keeps a pod's emptyDir volume on this machine.</summary>
    public string VolumePath(V1Pod pod, string volume) => Path.Combine(Host.StateDirectory, "pods", pod.Metadata.Uid, "volumes", volume);

    /// <summary>Creates a pod and waits (on a watch, not a sleep) until it is Ready.</summary>
    public async Task<V1Pod> RunReadyAsync(V1Pod pod, string ns = "default")
    {
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns).DefaultTimeout();
        using var cancel = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        var list = await Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={pod.Metadata.Name}", cancellationToken: cancel.Token);
        if (IsReady(list.Items.SingleOrDefault()))
        {
            return list.Items.Single();
        }

        await foreach (var (_, item) in WatchStream.WatchAsync<V1Pod>(Client, $"api/v1/namespaces/{ns}/pods", fieldSelector: $"metadata.name={pod.Metadata.Name}", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cancel.Token))
        {
            if (IsReady(item))
            {
                return item;
            }
        }

        throw new TimeoutException($"pod {pod.Metadata.Name} never became Ready");
    }

    /// <summary>Waits on a watch until a Ready pod matches <paramref name="labelSelector"/> (other than <paramref name="except"/>).</summary>
    public async Task<V1Pod> WaitForReadyPodAsync(string labelSelector, string? except, string ns = "default")
    {
        using var cancel = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        var list = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancel.Token);
        var ready = list.Items.FirstOrDefault(p => p.Metadata.Name != except && p.Metadata.DeletionTimestamp is null && IsReady(p));
        if (ready is not null)
        {
            return ready;
        }

        await foreach (var (_, item) in WatchStream.WatchAsync<V1Pod>(Client, $"api/v1/namespaces/{ns}/pods", labelSelector: labelSelector, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cancel.Token))
        {
            if (item.Metadata.Name != except && item.Metadata.DeletionTimestamp is null && IsReady(item))
            {
                return item;
            }
        }

        throw new TimeoutException($"no Ready pod matched {labelSelector}");
    }

    public async ValueTask DisposeAsync()
    {
        Connection.Dispose();
        await Host.DisposeAsync();
        state.Dispose();
    }

    private static bool IsReady(V1Pod? pod) =>
        pod?.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
}
