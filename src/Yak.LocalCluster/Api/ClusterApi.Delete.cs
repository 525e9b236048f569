using System.Text.Json.Nodes;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>Deletion: grace periods for pods, finalizers, namespace termination, garbage collection of dependents.</summary>
public sealed partial class ClusterApi
{
    private static readonly HashSet<string> UndeletableNamespaces = new(StringComparer.Ordinal) { "default", "kube-system", "kube-public" };

    /// <summary>Deletes an object. Returns it and whether it is gone now (false when deletion is pending: grace period, finalizers, namespace content).</summary>
    public (JsonObject Object, bool Removed) Delete(ResourceType type, string ns, string name, DeleteOptions options)
    {
        var current = Get(type, ns, name);
        if (options.PreconditionUid is { Length: > 0 } uid && uid != Meta.Uid(current))
        {
            throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Meta.Uid(current)}");
        }

        if (options.PreconditionResourceVersion is { Length: > 0 } rv && rv != Meta.Str(current["metadata"], "resourceVersion"))
        {
            throw ApiException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Meta.Str(current["metadata"], "resourceVersion")}");
        }

        if (options.DryRun)
        {
            return (current, false);
        }

        if (type == ResourceCatalog.Namespaces)
        {
            if (UndeletableNamespaces.Contains(name))
            {
                throw ApiException.Forbidden(type, name, "this namespace may not be deleted");
            }

            var terminating = Modify(type, ns, name, obj =>
            {
                if (Meta.IsDeleting(obj))
                {
                    return false;
                }

                Meta.Metadata(obj)["deletionTimestamp"] = Meta.Now();
                obj["status"] = new JsonObject { ["phase"] = "Terminating" };
                return true;
            }, "status") ?? current;
            return (terminating, false);
        }

        if (type == ResourceCatalog.Pods)
        {
            var grace = options.GracePeriodSeconds ?? Meta.Long(current["spec"]?["terminationGracePeriodSeconds"]) ?? 30;
            var phase = Meta.Str(current["status"], "phase");
            var started = !string.IsNullOrEmpty(Meta.Str(current["spec"], "nodeName")) && phase is not ("Succeeded" or "Failed");
            if (grace > 0 && started)
            {
                var pending = Modify(type, ns, name, obj =>
                {
                    var metadata = Meta.Metadata(obj);
                    var existing = Meta.Long(metadata["deletionGracePeriodSeconds"]);
                    if (existing is { } e && e <= grace)
                    {
                        return false;
                    }

                    metadata["deletionTimestamp"] = Meta.Timestamp(DateTimeOffset.UtcNow.AddSeconds(grace));
                    metadata["deletionGracePeriodSeconds"] = grace;
                    return true;
                }) ?? current;
                return (pending, false);
            }
        }

        if (HasFinalizers(current))
        {
            var pending = Modify(type, ns, name, obj =>
            {
                if (Meta.IsDeleting(obj))
                {
                    return false;
                }

                Meta.Metadata(obj)["deletionTimestamp"] = Meta.Now();
                Meta.Metadata(obj)["deletionGracePeriodSeconds"] = 0;
                return true;
            }) ?? current;
            return (pending, false);
        }

        var removed = RemoveAndCollect(type, current, options);
        return (removed ?? current, true);
    }

    /// <summary>Removes a pod whose containers have stopped (the end of a graceful deletion).</summary>
    public void FinishPodDeletion(string ns, string name, string uid)
    {
        var pod = _store.Get(ResourceCatalog.Pods, ns, name);
        if (pod is not null && Meta.Uid(pod) == uid)
        {
            RemoveAndCollect(ResourceCatalog.Pods, pod, DeleteOptions.Default);
        }
    }

    /// <summary>Removes a namespace once its content is gone.</summary>
    public void FinishNamespaceDeletion(string name) =>
        _store.Remove(ResourceCatalog.Namespaces, "", name);

    /// <summary>DELETE on a collection: deletes every matching object.</summary>
    public List<JsonObject> DeleteCollection(ResourceType type, string? ns, Func<JsonObject, bool> filter, DeleteOptions options)
    {
        var deleted = new List<JsonObject>();
        foreach (var obj in _store.List(type, ns, filter).Items)
        {
            try
            {
                deleted.Add(Delete(type, Meta.Namespace(obj), Meta.Name(obj), options).Object);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Gone meanwhile.
            }
        }

        return deleted;
    }

    private JsonObject? RemoveAndCollect(ResourceType type, JsonObject obj, DeleteOptions options)
    {
        var removed = _store.Remove(type, Meta.Namespace(obj), Meta.Name(obj), Meta.Uid(obj));
        if (removed is null)
        {
            return null;
        }

        CollectDependents(Meta.Uid(removed), type.Namespaced ? Meta.Namespace(removed) : null, options.PropagationPolicy ?? "Background");
        return removed;
    }

    /// <summary>Garbage collection: dependents (ownerReferences to the removed uid) are deleted, or orphaned on request.</summary>
    private void CollectDependents(string ownerUid, string? ns, string propagation)
    {
        foreach (var type in ResourceCatalog.All.Where(t => t.Namespaced))
        {
            var dependents = _store.List(type, ns, o => (o["metadata"]?["ownerReferences"] as JsonArray ?? [])
                .Any(r => Meta.Str(r, "uid") == ownerUid)).Items;
            foreach (var dependent in dependents)
            {
                var depNs = Meta.Namespace(dependent);
                var depName = Meta.Name(dependent);
                if (propagation == "Orphan")
                {
                    Modify(type, depNs, depName, o =>
                    {
                        var refs = o["metadata"]?["ownerReferences"] as JsonArray ?? [];
                        var kept = refs.Where(r => Meta.Str(r, "uid") != ownerUid).Select(r => r?.DeepClone()).ToArray();
                        if (kept.Length == 0)
                        {
                            Meta.Metadata(o).Remove("ownerReferences");
                        }
                        else
                        {
                            Meta.Metadata(o)["ownerReferences"] = new JsonArray(kept);
                        }

                        return true;
                    });
                    continue;
                }

                try
                {
                    Delete(type, depNs, depName, DeleteOptions.Default);
                }
                catch (ApiException e) when (e.Code == 404)
                {
                    // Already gone.
                }
            }
        }
    }
}
