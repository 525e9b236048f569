using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Scheduling;

/// <summary>
/// The scheduler's volume binding, as with a <c>WaitForFirstConsumer</c> storage class: a pod's claim that is bound
/// keeps the pod where its PersistentVolume is (the PV's <c>spec.nodeAffinity</c>, "volume node affinity conflict"
/// otherwise); a claim that is not bound yet is provisioned when its first pod is placed — a PersistentVolume
/// <c>pvc-&lt;claim uid&gt;</c> pinned to the chosen node's <c>topology.kubernetes.io/zone</c> (or to the node itself
/// when it has no zone) and bound both ways. PVs whose claim is gone are deleted (reclaim policy Delete).
/// </summary>
internal sealed class VolumeBinding(ClusterApi api)
{
    public const string ZoneLabel = "topology.kubernetes.io/zone";
    private const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>The nodeSelectorTerms of the PVs bound to the pod's claims: the node must match one term of each.</summary>
    public IReadOnlyList<JsonArray> Constraints(JsonObject pod)
    {
        var result = new List<JsonArray>();
        foreach (var claim in Claims(pod))
        {
            var volumeName = Meta.Str(api.TryGet(ResourceCatalog.PersistentVolumeClaims, Meta.Namespace(pod), claim)?["spec"], "volumeName");
            if (string.IsNullOrEmpty(volumeName) || api.TryGet(ResourceCatalog.PersistentVolumes, "", volumeName) is not { } pv)
            {
                continue;
            }

            if (pv["spec"]?["nodeAffinity"]?["required"]?["nodeSelectorTerms"] is JsonArray { Count: > 0 } terms)
            {
                result.Add(terms);
            }
        }

        return result;
    }

    /// <summary>Provisions and binds the pod's unbound claims where the pod now runs.</summary>
    public void BindClaims(JsonObject pod, string nodeName)
    {
        var ns = Meta.Namespace(pod);
        var node = api.TryGet(ResourceCatalog.Nodes, "", nodeName);
        foreach (var claimName in Claims(pod))
        {
            var claim = api.TryGet(ResourceCatalog.PersistentVolumeClaims, ns, claimName);
            if (claim is null || Meta.IsDeleting(claim) || !string.IsNullOrEmpty(Meta.Str(claim["spec"], "volumeName")))
            {
                continue;
            }

            var zone = node is null ? null : Meta.Label(node, ZoneLabel);
            var (key, value) = zone is null ? (HostnameLabel, nodeName) : (ZoneLabel, zone);
            var pvName = "pvc-" + Meta.Uid(claim);
            var spec = claim["spec"] as JsonObject ?? new JsonObject();
            var labels = new JsonObject();
            if (zone is not null)
            {
                labels[ZoneLabel] = zone;
            }

            try
            {
                api.Create(ResourceCatalog.PersistentVolumes, "", new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "PersistentVolume",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = pvName,
                        ["labels"] = labels,
                        ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = "local-cluster" },
                    },
                    ["spec"] = new JsonObject
                    {
                        ["capacity"] = new JsonObject { ["storage"] = spec["resources"]?["requests"]?["storage"]?.DeepClone() ?? "1Gi" },
                        ["accessModes"] = spec["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
                        ["persistentVolumeReclaimPolicy"] = "Delete",
                        ["storageClassName"] = Meta.Str(spec, "storageClassName") ?? "standard",
                        ["volumeMode"] = "Filesystem",
                        ["local"] = new JsonObject { ["path"] = $"/volumes/{ns}/{claimName}" },
                        ["claimRef"] = new JsonObject { ["kind"] = "PersistentVolumeClaim", ["namespace"] = ns, ["name"] = claimName, ["uid"] = Meta.Uid(claim) },
                        ["nodeAffinity"] = new JsonObject
                        {
                            ["required"] = new JsonObject
                            {
                                ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                                {
                                    ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = key, ["operator"] = "In", ["values"] = new JsonArray(value) }),
                                }),
                            },
                        },
                    },
                }, WriteOptions.Internal);
            }
            catch (ApiException)
            {
                // Provisioned already (a retry of this bind).
            }

            api.Modify(ResourceCatalog.PersistentVolumes, "", pvName, v =>
            {
                v["status"] = new JsonObject { ["phase"] = "Bound" };
                return true;
            }, "status");
            api.Modify(ResourceCatalog.PersistentVolumeClaims, ns, claimName, c =>
            {
                ((JsonObject)c["spec"]!)["volumeName"] = pvName;
                var annotations = Meta.Metadata(c)["annotations"] as JsonObject ?? new JsonObject();
                annotations["pv.kubernetes.io/bind-completed"] = "yes";
                annotations["volume.kubernetes.io/selected-node"] = nodeName;
                Meta.Metadata(c)["annotations"] = annotations;
                return true;
            });
            api.Modify(ResourceCatalog.PersistentVolumeClaims, ns, claimName, c =>
            {
                c["status"] = new JsonObject
                {
                    ["phase"] = "Bound",
                    ["accessModes"] = spec["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
                    ["capacity"] = new JsonObject { ["storage"] = spec["resources"]?["requests"]?["storage"]?.DeepClone() ?? "1Gi" },
                };
                return true;
            }, "status");
        }

        DeleteReleased();
    }

    /// <summary>Deletes provisioned volumes whose claim is gone (reclaim policy Delete).</summary>
    private void DeleteReleased()
    {
        foreach (var pv in api.Store.List(ResourceCatalog.PersistentVolumes, null).Items)
        {
            var claimRef = pv["spec"]?["claimRef"];
            if (Meta.Str(pv["spec"], "persistentVolumeReclaimPolicy") != "Delete" || claimRef is null)
            {
                continue;
            }

            var claim = api.TryGet(ResourceCatalog.PersistentVolumeClaims, Meta.Str(claimRef, "namespace") ?? "", Meta.Str(claimRef, "name") ?? "");
            if (claim is null || Meta.Uid(claim) != Meta.Str(claimRef, "uid"))
            {
                try
                {
                    api.Delete(ResourceCatalog.PersistentVolumes, "", Meta.Name(pv), DeleteOptions.Default);
                }
                catch (ApiException)
                {
                    // Gone meanwhile.
                }
            }
        }
    }

    private static IEnumerable<string> Claims(JsonObject pod) =>
        (pod["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(v => Meta.Str(v["persistentVolumeClaim"], "claimName"))
            .OfType<string>()
            .Where(c => c.Length > 0)
            .Distinct(StringComparer.Ordinal);
}
