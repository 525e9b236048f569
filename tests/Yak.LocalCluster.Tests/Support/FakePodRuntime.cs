using System.Collections.Concurrent;
using k8s.Models;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Tests.Support;

/// <summary>A pod runtime that "runs" every pod at once: Running, Ready, with a pod IP. Records what it was asked.</summary>
internal sealed class FakePodRuntime : IPodRuntime
{
    private int _nextIp = 10;

    public event Action<PodStatusUpdate>? StatusChanged;

    // The fake pulls nothing, so it has no events to report.
    public event Action<PodEventReport>? EventReported { add { } remove { } }

    public ConcurrentDictionary<string, V1Pod> Running { get; } = new();

    public ConcurrentQueue<string> Stopped { get; } = new();

    public ConcurrentQueue<string> Killed { get; } = new();

    public int Dropped { get; private set; }

    /// <summary>When false, pods start but never become Ready (to hold a rollout).</summary>
    public bool MakeReady { get; set; } = true;

    public Task RunPodAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        if (!Running.TryAdd(pod.Metadata.Uid, pod))
        {
            return Task.CompletedTask;
        }

        var ip = $"10.244.0.{Interlocked.Increment(ref _nextIp)}";
        Report(pod, ip, MakeReady);
        return Task.CompletedTask;
    }

    /// <summary>Marks a running pod Ready (or not) after the fact.</summary>
    public void SetReady(V1Pod pod, bool ready) => Report(pod, $"10.244.1.{Interlocked.Increment(ref _nextIp) % 250}", ready);

    private void Report(V1Pod pod, string ip, bool ready)
    {
        var now = DateTime.UtcNow;
        var readyText = ready ? "True" : "False";
        var status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = ip,
            PodIPs = [new V1PodIP { Ip = ip }],
            HostIP = "127.0.0.1",
            StartTime = now,
            Conditions =
            [
                new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "ContainersReady", Status = readyText, LastTransitionTime = now },
                new V1PodCondition { Type = "Ready", Status = readyText, LastTransitionTime = now },
            ],
            ContainerStatuses = pod.Spec.Containers.Select(c => new V1ContainerStatus
            {
                Name = c.Name,
                Image = c.Image,
                ImageID = "fake://" + c.Image,
                Ready = ready,
                Started = true,
                RestartCount = 0,
                State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } },
            }).ToList(),
        };
        StatusChanged?.Invoke(new PodStatusUpdate(pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Metadata.Uid, status));
    }

    /// <summary>Ends a running pod's containers with <paramref name="exitCode"/>: the pod becomes Succeeded (0) or Failed.</summary>
    public void Finish(V1Pod pod, int exitCode)
    {
        Running.TryRemove(pod.Metadata.Uid, out _);
        var now = DateTime.UtcNow;
        var status = new V1PodStatus
        {
            Phase = exitCode == 0 ? "Succeeded" : "Failed",
            PodIP = pod.Status?.PodIP,
            HostIP = "127.0.0.1",
            StartTime = pod.Status?.StartTime ?? now,
            Conditions =
            [
                new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "Ready", Status = "False", Reason = "PodCompleted", LastTransitionTime = now },
            ],
            ContainerStatuses = pod.Spec.Containers.Select(c => new V1ContainerStatus
            {
                Name = c.Name,
                Image = c.Image,
                ImageID = "fake://" + c.Image,
                Ready = false,
                RestartCount = 0,
                State = new V1ContainerState
                {
                    Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = exitCode == 0 ? "Completed" : "Error", FinishedAt = now },
                },
            }).ToList(),
        };
        StatusChanged?.Invoke(new PodStatusUpdate(pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Metadata.Uid, status));
    }

    public Task StopPodAsync(string podUid, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        Running.TryRemove(podUid, out _);
        Stopped.Enqueue(podUid);
        return Task.CompletedTask;
    }

    public bool KillContainer(string podNamespace, string podName, string containerName)
    {
        var found = Running.Values.Any(p => p.Metadata.NamespaceProperty == podNamespace && p.Metadata.Name == podName &&
                                            p.Spec.Containers.Any(c => c.Name == containerName));
        if (found)
        {
            Killed.Enqueue($"{podNamespace}/{podName}/{containerName}");
        }

        return found;
    }

    public int DropAllStreams()
    {
        Dropped++;
        return 0;
    }
}
