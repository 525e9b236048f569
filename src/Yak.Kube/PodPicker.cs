using k8s;
using k8s.Models;

namespace Yak.Kube;

/// <summary>
/// Chooses the pod to talk to among those a selector matches. Sync (<see cref="PickAsync"/>) wants the sidecar
/// container running and ignores readiness: an app that waits for its first sync, or crash-loops, is exactly when
/// sync must keep working. Streams to the app (<see cref="PickReadyAsync"/>) want a Ready pod.
/// </summary>
public static class PodPicker
{
    /// <summary>The container name yak gives the sync sidecar: never the default for streams to the app.</summary>
    public const string SidecarContainerName = "yak-sync";

    public static async Task<string> PickReadyAsync(KubeConnection connection, string podNamespace, string labelSelector, CancellationToken cancellationToken)
    {
        var pods = await ListAsync(connection, podNamespace, labelSelector, cancellationToken).ConfigureAwait(false);
        return pods.Where(p => p.Metadata.DeletionTimestamp is null && IsReady(p))
            .OrderByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault()?.Metadata.Name
            ?? throw new IOException($"No Ready pod in namespace {podNamespace} matches {labelSelector} yet.");
    }

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static async Task<string> PickAsync(KubeConnection connection, string podNamespace, string labelSelector, string? container, CancellationToken cancellationToken)
    {
        var pods = await ListAsync(connection, podNamespace, labelSelector, cancellationToken).ConfigureAwait(false);
        return Pick(pods, container)?.Metadata.Name
            ?? throw new IOException($"No pod in namespace {podNamespace} matching {labelSelector} has its {container ?? "first"} container running yet.");
    }

    public static V1Pod? Pick(IEnumerable<V1Pod> pods, string? container) => pods
        .Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is "Running" or "Pending" && IsRunning(p, container))
        .OrderByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
        .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
        .FirstOrDefault();

    /// <summary>The named container (or the pod's first) has a running state.</summary>
    public static bool IsRunning(V1Pod pod, string? container)
    {
        var name = container ?? pod.Spec?.Containers?.FirstOrDefault()?.Name;
        return pod.Status?.ContainerStatuses?.Any(s => s.Name == name && s.State?.Running is not null) == true;
    }

    private static async Task<IList<V1Pod>> ListAsync(KubeConnection connection, string podNamespace, string labelSelector, CancellationToken cancellationToken)
    {
        try
        {
            return (await connection.Client.CoreV1.ListNamespacedPodAsync(podNamespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;
        }
        catch (HttpRequestException ex)
        {
            throw connection.Unreachable(ex);
        }
    }
}
