using k8s;
using k8s.Models;
using Yak.Kube.Environments;

namespace Yak.Kube.Pods;

/// <summary>
/// Chooses the pod to talk to among those a selector matches, by a named <see cref="PodPolicy"/>: of the acceptable
/// pods the newest wins, the name breaks ties. The one place this rule lives.
/// </summary>
public static class PodPicker
{
    /// <summary>The container name yak gives the sync sidecar: never the default for streams to the app.</summary>
    public const string SidecarContainerName = "yak-sync";

    public static V1Pod? Pick(IEnumerable<V1Pod> pods, PodPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(policy);
        return Newest(pods.Where(policy.Accepts), p => p.Metadata?.CreationTimestamp, p => p.Metadata?.Name);
    }

    /// <summary>The same rule over a rollout's pod summaries: the newest live pod whose <paramref name="container"/> runs.</summary>
    public static PodSummary? PickRunning(IEnumerable<PodSummary> pods, string container)
    {
        ArgumentNullException.ThrowIfNull(pods);
        return Newest(pods.Where(p => !p.Terminating && p.RunningContainers.Contains(container)), p => p.Created, p => p.Name);
    }

    private static T? Newest<T>(IEnumerable<T> candidates, Func<T, DateTime?> created, Func<T, string?> name)
        where T : class =>
        candidates
            .OrderByDescending(p => created(p) ?? DateTime.MinValue)
            .ThenBy(name, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>Lists the pods of <paramref name="labelSelector"/> and picks one; an <see cref="IOException"/> says why none qualifies.</summary>
    public static async Task<string> PickAsync(KubeConnection connection, string podNamespace, string labelSelector, PodPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        IList<V1Pod> pods;
        try
        {
            pods = (await connection.Client.CoreV1.ListNamespacedPodAsync(podNamespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;
        }
        catch (HttpRequestException ex)
        {
            throw connection.Unreachable(ex);
        }

        return Pick(pods, policy)?.Metadata.Name ?? throw new IOException(policy.DescribeNoneFor(podNamespace, labelSelector));
    }

    /// <summary>Why no Ready pod can be picked, listing the candidates (a forward's Degraded reason).</summary>
    public static string DescribeNone(IReadOnlyCollection<V1Pod> pods, string target) =>
        pods.Count == 0
            ? $"no pods match {target}"
            : $"no Ready pod for {target} ({string.Join(", ", pods.Select(p => $"{p.Metadata?.Name}: {(p.Metadata?.DeletionTimestamp is null ? p.Status?.Phase ?? "Pending" : "Terminating")}"))})";
}
