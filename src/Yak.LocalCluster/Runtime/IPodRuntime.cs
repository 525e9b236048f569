using k8s.Models;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// The seam between the API server (store, controllers) and the node (local processes, namespaces, streams).
/// The API side hands pods to run and receives their status; the node side owns processes and the pod
/// subresource streams (exec, attach, port-forward, log).
/// </summary>
/// <remarks>
/// Volume folders by convention, under the cluster's state folder:
/// emptyDir <c>pods/{uid}/volumes/{volumeName}</c>; persistentVolumeClaim <c>volumes/{namespace}/{claimName}</c>;
/// container logs <c>pods/{uid}/logs/{container}/{restartCount}.log</c>.
/// </remarks>
public interface IPodRuntime
{
    /// <summary>Raised whenever a pod's observed status changes (phase, conditions, containerStatuses, podIP).</summary>
    event Action<PodStatusUpdate>? StatusChanged;

    /// <summary>Raised for what the kubelet reports as events about a pod (image pulls: Pulling, Pulled, Failed, BackOff).</summary>
    event Action<PodEventReport>? EventReported;

    /// <summary>Starts the pod's containers, or does nothing when a pod with this uid already runs. Never blocks on the containers.</summary>
    Task RunPodAsync(V1Pod pod, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="RunPodAsync(V1Pod, CancellationToken)"/>, with the files of its configMap and secret volumes (by
    /// volume name) that the API side read for it; env references in <paramref name="pod"/> are already resolved.
    /// </summary>
    Task RunPodAsync(V1Pod pod, IReadOnlyDictionary<string, IReadOnlyList<VolumeFile>> volumeFiles, CancellationToken cancellationToken) =>
        RunPodAsync(pod, cancellationToken);

    /// <summary>Stops a pod: SIGTERM to every container, SIGKILL after <paramref name="gracePeriod"/>, then frees its sandbox.</summary>
    Task StopPodAsync(string podUid, TimeSpan gracePeriod, CancellationToken cancellationToken);

    /// <summary>Fault injection: kills a container's main process as if it crashed (restart policy then applies).</summary>
    bool KillContainer(string podNamespace, string podName, string containerName);

    /// <summary>Fault injection: aborts every open exec, attach, port-forward and log stream.</summary>
    int DropAllStreams();
}

/// <summary>A pod status observed by the node, to be written to the pod's status subresource.</summary>
public sealed record PodStatusUpdate(string Namespace, string Name, string Uid, V1PodStatus Status);

/// <summary>An event the node reports about a pod; <paramref name="Type"/> is Normal or Warning.</summary>
public sealed record PodEventReport(string Namespace, string Name, string Uid, string Type, string Reason, string Message);
