using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>ReplicaSet → pods: creates and deletes pods to match spec.replicas; reports replica counts.</summary>
internal sealed class ReplicaSetController(ClusterApi api, EventRecorder events)
{
    public void Reconcile()
    {
        foreach (var rs in api.Store.List(ResourceCatalog.ReplicaSets, null).Items)
        {
            if (Meta.IsDeleting(rs))
            {
                continue;
            }

            var ns = Meta.Namespace(rs);
            var uid = Meta.Uid(rs);
            var owned = api.Store.List(ResourceCatalog.Pods, ns, p => Pods.IsOwnedBy(p, uid)).Items;
            var active = owned.Where(Pods.IsActive).ToList();
            var desired = Pods.Replicas(rs);
            if (active.Count < desired)
            {
                for (var i = active.Count; i < desired; i++)
                {
                    CreatePod(rs);
                }
            }
            else if (active.Count > desired)
            {
                var victims = active
                    .OrderBy(p => Pods.IsReady(p) ? 1 : 0)
                    .ThenByDescending(p => Meta.Str(p["metadata"], "creationTimestamp"), StringComparer.Ordinal)
                    .Take(active.Count - desired);
                foreach (var pod in victims)
                {
                    TryDelete(ns, Meta.Name(pod));
                    events.Normal(ResourceCatalog.ReplicaSets, rs, "replicaset-controller", "SuccessfulDelete", $"Deleted pod: {Meta.Name(pod)}");
                }
            }

            var ready = active.Count(Pods.IsReady);
            var generation = Meta.Long(rs["metadata"]?["generation"]) ?? 1;
            api.Modify(ResourceCatalog.ReplicaSets, ns, Meta.Name(rs), obj =>
            {
                var status = new JsonObject
                {
                    ["replicas"] = active.Count,
                    ["fullyLabeledReplicas"] = active.Count,
                    ["readyReplicas"] = ready,
                    ["availableReplicas"] = ready,
                    ["observedGeneration"] = generation,
                };
                if (JsonNode.DeepEquals(status, obj["status"]))
                {
                    return false;
                }

                obj["status"] = status;
                return true;
            }, "status");
        }
    }

    private void CreatePod(JsonObject rs)
    {
        var pod = Pods.FromTemplate(ResourceCatalog.ReplicaSets, rs);
        try
        {
            var created = api.Create(ResourceCatalog.Pods, Meta.Namespace(rs), pod, WriteOptions.Internal);
            events.Normal(ResourceCatalog.ReplicaSets, rs, "replicaset-controller", "SuccessfulCreate", $"Created pod: {Meta.Name(created)}");
        }
        catch (ApiException)
        {
            // Namespace terminating, or a name clash: the next pass tries again.
        }
    }

    private void TryDelete(string ns, string name)
    {
        try
        {
            api.Delete(ResourceCatalog.Pods, ns, name, DeleteOptions.Default);
        }
        catch (ApiException)
        {
            // Gone meanwhile.
        }
    }
}
