using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Yak.Kube.Capacity;

/// <summary>
/// How full a cluster is, counted on the cluster (not on this laptop): the yak environments of every user (their
/// namespaces carry <see cref="EnvironmentLabel"/>), and the schedulable nodes' allocatable CPU and memory against the
/// requests of the pods placed on them. <see cref="Environments"/> is null when namespaces may not be listed and
/// <see cref="FreeFraction"/> when nodes or pods may not (RBAC of a developer without cluster-wide reads).
/// </summary>
public sealed record ClusterRoom(int? Environments, double? FreeFraction, string? Note)
{
    public const string EnvironmentLabel = "yak.dev/environment";

    public static async Task<ClusterRoom> MeasureAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        int? environments;
        try
        {
            var namespaces = await client.CoreV1.ListNamespaceAsync(labelSelector: EnvironmentLabel, cancellationToken: cancellationToken).ConfigureAwait(false);
            environments = namespaces.Items.Count(n => n.Metadata.DeletionTimestamp is null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            environments = null;
        }

        try
        {
            var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var pods = await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ClusterRoom(environments, FreeFractionOf(nodes.Items, pods.Items), null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            return new ClusterRoom(environments, null, "nodes or pods may not be listed: room counted by environments only");
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound)
        {
            return new ClusterRoom(environments, null, null);
        }
    }

    /// <summary>The smaller of free CPU and free memory, as a fraction of what the schedulable nodes can give.</summary>
    public static double? FreeFractionOf(IEnumerable<V1Node> nodes, IEnumerable<V1Pod> pods)
    {
        var schedulable = nodes.Where(n => n.Spec?.Unschedulable != true).ToList();
        var names = schedulable.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var cpu = schedulable.Sum(n => Amount(n.Status?.Allocatable, "cpu"));
        var memory = schedulable.Sum(n => Amount(n.Status?.Allocatable, "memory"));
        if (cpu <= 0 || memory <= 0)
        {
            return null;
        }

        var placed = pods.Where(p => p.Spec?.NodeName is { } node && names.Contains(node) && p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();
        var usedCpu = placed.Sum(p => Requested(p, "cpu"));
        var usedMemory = placed.Sum(p => Requested(p, "memory"));
        return (double)Math.Max(0, Math.Min((cpu - usedCpu) / cpu, (memory - usedMemory) / memory));
    }

    /// <summary>What the scheduler counts for a pod: the sum of its containers' requests, or its largest init container's when larger.</summary>
    private static decimal Requested(V1Pod pod, string resource)
    {
        var containers = pod.Spec?.Containers?.Sum(c => Amount(c.Resources?.Requests, resource)) ?? 0;
        var init = pod.Spec?.InitContainers?.Select(c => Amount(c.Resources?.Requests, resource)).DefaultIfEmpty(0).Max() ?? 0;
        return Math.Max(containers, init);
    }

    private static decimal Amount(IDictionary<string, ResourceQuantity>? quantities, string resource) =>
        quantities is not null && quantities.TryGetValue(resource, out var quantity) ? quantity.ToDecimal() : 0;
}
