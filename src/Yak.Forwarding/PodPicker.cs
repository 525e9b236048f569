using k8s.Models;

namespace Yak.Forwarding;

/// <summary>Chooses the pod new connections go to: Ready, Running and not terminating; newest first; name breaks ties.</summary>
public static class PodPicker
{
    public static V1Pod? Pick(IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        return pods
            .Where(IsServing)
            .OrderByDescending(p => p.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(p => p.Metadata?.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>Whether a pod may take new connections.</summary>
    public static bool IsServing(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata?.DeletionTimestamp is null
            && pod.Status?.Phase == "Running"
            && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
    }

    /// <summary>Why no pod can be picked, for the Degraded reason.</summary>
    public static string DescribeNone(IReadOnlyCollection<V1Pod> pods, string target) =>
        pods.Count == 0
            ? $"no pods match {target}"
            : $"no Ready pod for {target} ({string.Join(", ", pods.Select(p => $"{p.Metadata?.Name}: {(p.Metadata?.DeletionTimestamp is null ? p.Status?.Phase ?? "Pending" : "Terminating")}"))})";
}
