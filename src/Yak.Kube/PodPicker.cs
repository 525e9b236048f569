using k8s;
using k8s.Models;

namespace Yak.Kube;

/// <summary>Chooses the pod to talk to among those a selector matches: Ready, not terminating, newest first.</summary>
public static class PodPicker
{
    public static async Task<string> PickReadyAsync(KubeConnection connection, string podNamespace, string labelSelector, CancellationToken cancellationToken)
    {
        V1PodList pods;
        try
        {
            pods = await connection.Client.CoreV1.ListNamespacedPodAsync(podNamespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw connection.Unreachable(ex);
        }

        return Pick(pods.Items)?.Metadata.Name
            ?? throw new IOException($"No Ready pod in namespace {podNamespace} matches {labelSelector} yet.");
    }

    public static V1Pod? Pick(IEnumerable<V1Pod> pods) => pods
        .Where(p => p.Metadata.DeletionTimestamp is null && IsReady(p))
        .OrderByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
        .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
        .FirstOrDefault();

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
}
