using k8s.Models;

namespace Yak.Kube.Pods;

/// <summary>
/// A named rule for which pods may be talked to. Every caller that picks a pod names one of these; the ordering among
/// acceptable pods (newest first, name breaks ties) is the same for all, in <see cref="PodPicker"/>.
/// </summary>
public sealed class PodPolicy
{
    private readonly Func<V1Pod, bool> accepts;
    private readonly Func<string, string, string> noneMessage;

    private PodPolicy(string name, Func<V1Pod, bool> accepts, Func<string, string, string> noneMessage)
    {
        Name = name;
        this.accepts = accepts;
        this.noneMessage = noneMessage;
    }

    /// <summary>
    /// Ready, Running, not terminating: where app traffic, exec, attach and logs go (forwards, streams).
    /// </summary>
    public static PodPolicy Ready { get; } = new(
        "ready",
        pod => pod.Metadata?.DeletionTimestamp is null && IsReady(pod),
        (ns, selector) => $"No Ready pod in namespace {ns} matches {selector} yet.");

    public string Name { get; }

    /// <summary>
    /// The named container (or the pod's first) runs, readiness ignored, not terminating: where sync goes. An app that
    /// waits for its first sync, or crash-loops, is exactly when sync must keep working.
    /// </summary>
    public static PodPolicy ContainerRunning(string? container) => new(
        container is null ? "first-container-running" : $"container-running:{container}",
        pod => pod.Metadata?.DeletionTimestamp is null && pod.Status?.Phase is "Running" or "Pending" && IsRunning(pod, container),
        (ns, selector) => $"No pod in namespace {ns} matching {selector} has its {container ?? "first"} container running yet.");

    public bool Accepts(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return accepts(pod);
    }

    /// <summary>What to tell the user when no pod of <paramref name="labelSelector"/> in <paramref name="podNamespace"/> qualifies.</summary>
    public string DescribeNoneFor(string podNamespace, string labelSelector) => noneMessage(podNamespace, labelSelector);

    /// <summary>Running with the Ready condition true.</summary>
    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>The named container (or the pod's first) has a running state.</summary>
    public static bool IsRunning(V1Pod pod, string? container)
    {
        var name = container ?? pod.Spec?.Containers?.FirstOrDefault()?.Name;
        return pod.Status?.ContainerStatuses?.Any(s => s.Name == name && s.State?.Running is not null) == true;
    }

    public override string ToString() => Name;
}
