using System.Globalization;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// StatefulSet → pods <c>{name}-0..N-1</c>, created in order (OrderedReady waits for each to be Ready) with PVCs
/// <c>{template}-{name}-{ordinal}</c> from volumeClaimTemplates that outlive the pods; rolling updates replace
/// pods from the highest ordinal down, one at a time.
/// </summary>
internal sealed class StatefulSetController(ClusterApi api, EventRecorder events)
{
    public void Reconcile()
    {
        foreach (var sts in api.Store.List(ResourceCatalog.StatefulSets, null).Items)
        {
            if (!Meta.IsDeleting(sts))
            {
                ReconcileOne(sts);
            }
        }
    }

    private void ReconcileOne(JsonObject sts)
    {
        var ns = Meta.Namespace(sts);
        var name = Meta.Name(sts);
        var uid = Meta.Uid(sts);
        var replicas = Pods.Replicas(sts);
        var revision = $"{name}-{Pods.TemplateHash(sts["spec"]?["template"])}";
        var ordered = Meta.Str(sts["spec"], "podManagementPolicy") != "Parallel";
        var partition = (int)(Meta.Long(sts["spec"]?["updateStrategy"]?["rollingUpdate"]?["partition"]) ?? 0);
        var onDelete = Meta.Str(sts["spec"]?["updateStrategy"], "type") == "OnDelete";
        var pods = api.Store.List(ResourceCatalog.Pods, ns, p => Pods.IsOwnedBy(p, uid)).Items
            .GroupBy(p => Ordinal(name, Meta.Name(p)))
            .Where(g => g.Key >= 0)
            .ToDictionary(g => g.Key, g => g.First());

        for (var i = 0; i < replicas; i++)
        {
            if (!pods.TryGetValue(i, out var pod))
            {
                EnsureClaims(sts, i);
                CreatePod(sts, i, revision);
                if (ordered)
                {
                    break;
                }

                continue;
            }

            if (!Meta.IsDeleting(pod) && Meta.Str(pod["status"], "phase") is "Failed" or "Succeeded")
            {
                TryDelete(ns, Meta.Name(pod), 0);
                if (ordered)
                {
                    break;
                }
            }

            if (ordered && !Pods.IsReady(pod))
            {
                break;
            }
        }

        var extra = pods.Keys.Where(k => k >= replicas).OrderByDescending(k => k).ToList();
        if (extra.Count > 0 && pods.Where(kv => kv.Key < replicas).All(kv => Pods.IsReady(kv.Value)))
        {
            foreach (var k in ordered ? extra.Take(1) : extra)
            {
                TryDelete(ns, Meta.Name(pods[k]), null);
            }
        }

        var inRange = pods.Where(kv => kv.Key < replicas).ToList();
        var allReady = inRange.Count == replicas && inRange.All(kv => Pods.IsReady(kv.Value));
        if (!onDelete && allReady && extra.Count == 0)
        {
            var outdated = inRange
                .Where(kv => kv.Key >= partition && Meta.Label(kv.Value, "controller-revision-hash") != revision)
                .OrderByDescending(kv => kv.Key)
                .FirstOrDefault();
            if (outdated.Value is not null)
            {
                TryDelete(ns, Meta.Name(outdated.Value), null);
            }
        }

        UpdateStatus(sts, pods.Values.ToList(), revision, replicas);
    }

    private void UpdateStatus(JsonObject sts, List<JsonObject> pods, string revision, int replicas)
    {
        var active = pods.Where(Pods.IsActive).ToList();
        var ready = active.Count(Pods.IsReady);
        var updated = active.Count(p => Meta.Label(p, "controller-revision-hash") == revision);
        var generation = Meta.Long(sts["metadata"]?["generation"]) ?? 1;
        api.Modify(ResourceCatalog.StatefulSets, Meta.Namespace(sts), Meta.Name(sts), obj =>
        {
            var before = obj["status"]?.DeepClone();
            var current = Meta.Str(before, "currentRevision");
            if (current is null || (updated == replicas && ready == replicas && active.Count == replicas))
            {
                current = revision;
            }

            var currentCount = active.Count(p => Meta.Label(p, "controller-revision-hash") == current);
            var status = new JsonObject
            {
                ["observedGeneration"] = generation,
                ["replicas"] = active.Count,
                ["readyReplicas"] = ready,
                ["currentReplicas"] = currentCount,
                ["updatedReplicas"] = updated,
                ["availableReplicas"] = ready,
                ["currentRevision"] = current,
                ["updateRevision"] = revision,
                ["collisionCount"] = 0,
            };
            obj["status"] = status;
            return !JsonNode.DeepEquals(before, status);
        }, "status");
    }

    private void EnsureClaims(JsonObject sts, int ordinal)
    {
        var ns = Meta.Namespace(sts);
        foreach (var template in (sts["spec"]?["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var claimName = $"{Meta.Name(template)}-{Meta.Name(sts)}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
            if (api.TryGet(ResourceCatalog.PersistentVolumeClaims, ns, claimName) is not null)
            {
                continue;
            }

            var metadata = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
            metadata["name"] = claimName;
            var labels = metadata["labels"] as JsonObject ?? new JsonObject();
            foreach (var (k, v) in Meta.StringMap(sts["spec"]?["selector"]?["matchLabels"]))
            {
                labels[k] = v;
            }

            metadata["labels"] = labels;
            try
            {
                api.Create(ResourceCatalog.PersistentVolumeClaims, ns, new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "PersistentVolumeClaim",
                    ["metadata"] = metadata,
                    ["spec"] = template["spec"]?.DeepClone(),
                }, WriteOptions.Internal);
                events.Normal(ResourceCatalog.StatefulSets, sts, "statefulset-controller", "SuccessfulCreate",
                    $"create Claim {claimName} Pod {Meta.Name(sts)}-{ordinal.ToString(CultureInfo.InvariantCulture)} in StatefulSet {Meta.Name(sts)} success");
            }
            catch (ApiException)
            {
                // Created meanwhile, or the namespace is going away.
            }
        }
    }

    private void CreatePod(JsonObject sts, int ordinal, string revision)
    {
        var name = Meta.Name(sts);
        var podName = $"{name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var template = sts["spec"]?["template"] as JsonObject ?? new JsonObject();
        var metadata = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        metadata["name"] = podName;
        metadata.Remove("creationTimestamp");
        var labels = metadata["labels"] as JsonObject ?? new JsonObject();
        labels["controller-revision-hash"] = revision;
        labels["statefulset.kubernetes.io/pod-name"] = podName;
        labels["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture);
        metadata["labels"] = labels;
        metadata["ownerReferences"] = Pods.OwnerReference(ResourceCatalog.StatefulSets, sts);
        var spec = template["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
        spec["hostname"] = podName;
        if (Meta.Str(sts["spec"], "serviceName") is { Length: > 0 } serviceName)
        {
            spec["subdomain"] = serviceName;
        }

        var volumes = spec["volumes"] as JsonArray ?? new JsonArray();
        foreach (var claim in (sts["spec"]?["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var volumeName = Meta.Name(claim);
            foreach (var existing in volumes.OfType<JsonObject>().Where(v => Meta.Str(v, "name") == volumeName).ToList())
            {
                volumes.Remove(existing);
            }

            volumes.Add(new JsonObject
            {
                ["name"] = volumeName,
                ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = $"{volumeName}-{podName}" },
            });
        }

        if (volumes.Count > 0)
        {
            spec["volumes"] = volumes;
        }

        try
        {
            api.Create(ResourceCatalog.Pods, Meta.Namespace(sts), new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = metadata,
                ["spec"] = spec,
            }, WriteOptions.Internal);
            events.Normal(ResourceCatalog.StatefulSets, sts, "statefulset-controller", "SuccessfulCreate", $"create Pod {podName} in StatefulSet {name} successful");
        }
        catch (ApiException)
        {
            // The previous pod of this ordinal is still being removed: the next pass tries again.
        }
    }

    private void TryDelete(string ns, string name, long? grace)
    {
        try
        {
            api.Delete(ResourceCatalog.Pods, ns, name, new DeleteOptions(GracePeriodSeconds: grace));
        }
        catch (ApiException)
        {
            // Gone meanwhile.
        }
    }

    private static int Ordinal(string sts, string podName) =>
        podName.StartsWith(sts + "-", StringComparison.Ordinal) &&
        int.TryParse(podName.AsSpan(sts.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
