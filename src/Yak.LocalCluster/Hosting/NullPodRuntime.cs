using k8s.Models;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Hosting;

/// <summary>A runtime that runs nothing: pods stay Pending. Used when no process runtime is wired.</summary>
internal sealed class NullPodRuntime : IPodRuntime
{
    public event Action<PodStatusUpdate>? StatusChanged
    {
        add { }
        remove { }
    }

    public Task RunPodAsync(V1Pod pod, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopPodAsync(string podUid, TimeSpan gracePeriod, CancellationToken cancellationToken) => Task.CompletedTask;

    public bool KillContainer(string podNamespace, string podName, string containerName) => false;

    public int DropAllStreams() => 0;
}
