using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Yak.Kube.Environments;

/// <summary>
/// What one server-side apply did: the object and its resourceVersion before (null when new) and after, and whether
/// the apply changed it; its metadata.generation after (kinds with a spec), which a cache must have reached before
/// its copy says anything about this apply's rollout.
/// </summary>
public sealed record AppliedObject(string Kind, string Namespace, string Name, string? ResourceVersionBefore, string ResourceVersionAfter, bool Changed, long? Generation = null);

/// <summary>
/// Server-side apply (field manager <see cref="FieldManager"/>, forced: yak owns the fields it sets) of the objects an
/// environment is made of, in the order given; scaling workloads to zero; deleting the namespace.
/// </summary>
public static class ManifestApplier
{
    public const string FieldManager = "yak";

    /// <summary>The manager of <c>down</c>'s replicas=0, so the next apply by <see cref="FieldManager"/> takes them back.</summary>
    public const string DownFieldManager = "yak-down";

    public static async Task<IReadOnlyList<AppliedObject>> ApplyAsync(IKubernetes client, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, CancellationToken cancellationToken)
    {
        var results = new List<AppliedObject>();
        foreach (var item in objects)
        {
            results.Add(await ApplyOneAsync(client, item, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    public static async Task<AppliedObject> ApplyOneAsync(IKubernetes client, IKubernetesObject<V1ObjectMeta> item, CancellationToken cancellationToken)
    {
        var name = item.Metadata.Name;
        var ns = item.Metadata.NamespaceProperty;
        var patch = new V1Patch(KubernetesJson.Serialize(item), V1Patch.PatchType.ApplyPatch);
        IKubernetesObject<V1ObjectMeta>? before;
        IKubernetesObject<V1ObjectMeta> after;
        switch (item)
        {
            case V1Namespace:
                before = await ReadOrNull(() => client.CoreV1.ReadNamespaceAsync(name, cancellationToken: cancellationToken)).ConfigureAwait(false);
                after = await client.CoreV1.PatchNamespaceAsync(patch, name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1Service:
                before = await ReadOrNull(() => client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
                after = await client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1Deployment:
                before = await ReadOrNull(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
                after = await client.AppsV1.PatchNamespacedDeploymentAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1StatefulSet:
                before = await ReadOrNull(() => client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
                after = await client.AppsV1.PatchNamespacedStatefulSetAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1ConfigMap:
                before = await ReadOrNull(() => client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
                after = await client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case V1PersistentVolumeClaim:
                before = await ReadOrNull(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
                after = await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new NotSupportedException($"yak does not apply {item.Kind} objects ({name}).");
        }

        return new AppliedObject(item.Kind, ns ?? string.Empty, name, before?.Metadata.ResourceVersion, after.Metadata.ResourceVersion, ChangedBy(before, after, item), after.Metadata.Generation);
    }

    /// <summary>Scales a Deployment or StatefulSet to zero; the volumes (PVCs) stay.</summary>
    public static async Task ScaleToZeroAsync(IKubernetes client, WorkloadRef workload, CancellationToken cancellationToken)
    {
        var patch = new V1Patch("{\"spec\":{\"replicas\":0}}", V1Patch.PatchType.MergePatch);
        try
        {
            if (workload.Kind == WorkloadType.StatefulSet)
            {
                await client.AppsV1.PatchNamespacedStatefulSetAsync(patch, workload.Name, workload.Namespace, fieldManager: DownFieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await client.AppsV1.PatchNamespacedDeploymentAsync(patch, workload.Name, workload.Namespace, fieldManager: DownFieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>Deletes the namespace and everything in it (volumes too). Returns false when it did not exist.</summary>
    public static async Task<bool> DeleteNamespaceAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNamespaceAsync(ns, propagationPolicy: "Background", cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the apply changed the object. Workloads' controllers write status (a new resourceVersion) at any moment,
    /// also between our read and our patch, so for kinds with metadata.generation only a spec change (generation),
    /// the labels or annotations we apply count (controllers add their own, e.g. deployment.kubernetes.io/revision);
    /// other kinds have no controller writing them, their resourceVersion tells.
    /// </summary>
    internal static bool ChangedBy(IKubernetesObject<V1ObjectMeta>? before, IKubernetesObject<V1ObjectMeta> after, IKubernetesObject<V1ObjectMeta> desired)
    {
        if (before is null)
        {
            return true;
        }

        if (before.Metadata.Generation is not { } generation || after.Metadata.Generation is null)
        {
            return before.Metadata.ResourceVersion != after.Metadata.ResourceVersion;
        }

        return generation != after.Metadata.Generation
            || !Holds(before.Metadata.Labels, desired.Metadata.Labels)
            || !Holds(before.Metadata.Annotations, desired.Metadata.Annotations);
    }

    /// <summary>Whether every entry we apply was already there with the same value.</summary>
    private static bool Holds(IDictionary<string, string>? existing, IDictionary<string, string>? applied) =>
        applied is null || applied.All(p => existing is not null && existing.TryGetValue(p.Key, out var v) && v == p.Value);

    private static async Task<IKubernetesObject<V1ObjectMeta>?> ReadOrNull<T>(Func<Task<T>> read)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
