using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Apply;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>
/// The API semantics on top of the store, shared by the HTTP handlers and the controllers: metadata bookkeeping,
/// defaulting, validation, optimistic concurrency, status subresources, patches, server-side apply, deletion.
/// </summary>
public sealed partial class ClusterApi
{
    private static readonly string[] IdentityFields = ["uid", "creationTimestamp", "namespace", "name", "generation"];
    private static readonly string[] ClientImmutableFields = [.. IdentityFields, "deletionTimestamp", "deletionGracePeriodSeconds"];

    private readonly ObjectStore _store;

    public ClusterApi(ObjectStore store) => _store = store;

    public ObjectStore Store => _store;

    public JsonObject Get(ResourceType type, string ns, string name) =>
        _store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);

    public JsonObject? TryGet(ResourceType type, string ns, string name) => _store.Get(type, ns, name);

    public JsonObject Create(ResourceType type, string ns, JsonObject body, WriteOptions options, bool managedFieldsDone = false)
    {
        var obj = (JsonObject)body.DeepClone();
        Validation.CheckKind(type, obj);
        var metadata = Meta.Metadata(obj);
        if (type.Namespaced)
        {
            var bodyNs = Meta.Str(metadata, "namespace");
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns;
            RequireActiveNamespace(ns);
        }
        else
        {
            metadata.Remove("namespace");
        }

        if (string.IsNullOrEmpty(Meta.Str(metadata, "name")))
        {
            var prefix = Meta.Str(metadata, "generateName");
            if (string.IsNullOrEmpty(prefix))
            {
                throw ApiException.Invalid(type, "", "metadata.name: Required value: name or generateName is required");
            }

            metadata["name"] = prefix + RandomSuffix();
        }

        var name = Meta.Name(obj);
        Validation.ValidateName(type, name);
        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Meta.Now();
        if (TracksGeneration(type))
        {
            metadata["generation"] = 1;
        }
        else
        {
            metadata.Remove("generation");
        }
        metadata.Remove("resourceVersion");
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        if (!managedFieldsDone)
        {
            metadata.Remove("managedFields");
        }

        if (type == ResourceCatalog.Services)
        {
            AllocateClusterIp(obj);
        }

        Defaults.Apply(type, obj);
        Validation.Validate(type, obj);
        options.Admission?.Invoke(type, obj);
        if (options.FieldManager is { } manager && !managedFieldsDone)
        {
            ManagedFields.RecordUpdate(null, obj, manager, type.GroupVersion, null);
        }

        if (options.DryRun)
        {
            return obj;
        }

        var created = _store.Create(type, obj);
        if (type == ResourceCatalog.Namespaces)
        {
            EnsureDefaultServiceAccount(name);
        }

        return created;
    }

    /// <summary>PUT: replaces the object (or only its status when <paramref name="subresource"/> is "status").</summary>
    public JsonObject Replace(ResourceType type, string ns, string name, JsonObject body, WriteOptions options, string? subresource = null)
    {
        Validation.CheckKind(type, body);
        if (Meta.Name(body) is var bodyName && bodyName.Length > 0 && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var expectedRv = Meta.Str(body["metadata"], "resourceVersion");
        return Mutate(type, ns, name, options, current =>
        {
            if (!string.IsNullOrEmpty(expectedRv) && expectedRv != Meta.Str(current["metadata"], "resourceVersion"))
            {
                throw ApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            return Finish(type, current, (JsonObject)body.DeepClone(), options, subresource, recordManagedFields: true);
        });
    }

    /// <summary>PATCH in any of the four patch types; an apply patch creates the object when it does not exist.</summary>
    public JsonObject Patch(ResourceType type, string ns, string name, string contentType, string body, WriteOptions options, string? subresource = null)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType == "application/apply-patch+yaml")
        {
            return ApplyPatch(type, ns, name, body, options, subresource);
        }

        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"error decoding patch: {e.Message}");
        }

        return Mutate(type, ns, name, options, current =>
        {
            var candidate = mediaType switch
            {
                "application/json-patch+json" => JsonPatch.Apply(current, patch as JsonArray ?? throw ApiException.BadRequest("a json patch must be an array")) as JsonObject,
                "application/merge-patch+json" => MergePatch.Apply(current, patch) as JsonObject,
                "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(current, patch as JsonObject ?? throw ApiException.BadRequest("a strategic merge patch must be an object")),
                _ => throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
            } ?? throw ApiException.BadRequest("the patch produced an empty object");
            var expectedRv = Meta.Str((patch as JsonObject)?["metadata"], "resourceVersion");
            if (!string.IsNullOrEmpty(expectedRv) && expectedRv != Meta.Str(current["metadata"], "resourceVersion"))
            {
                throw ApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            return Finish(type, current, candidate, options, subresource, recordManagedFields: true);
        });
    }

    private JsonObject ApplyPatch(ResourceType type, string ns, string name, string body, WriteOptions options, string? subresource)
    {
        if (string.IsNullOrEmpty(options.FieldManager))
        {
            throw new ApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        }

        var applied = YamlJson.Parse(body) as JsonObject ?? throw ApiException.BadRequest("an apply patch must be an object");
        var appliedName = Meta.Name(applied);
        if (appliedName.Length > 0 && appliedName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({appliedName}) does not match the name on the URL ({name})");
        }

        var current = _store.Get(type, ns, name);
        if (current is null)
        {
            if (subresource is not null)
            {
                throw ApiException.NotFound(type, name);
            }

            Meta.Metadata(applied)["name"] = name;
            var created = ServerSideApply.Apply(type, null, applied, options.FieldManager, options.Force);
            return Create(type, ns, created, options, managedFieldsDone: true);
        }

        return Mutate(type, ns, name, options, live =>
            Finish(type, live, ServerSideApply.Apply(type, live, applied, options.FieldManager, options.Force), options, subresource, recordManagedFields: false));
    }

    /// <summary>Internal read-modify-write for controllers; <paramref name="mutate"/> edits a copy in place and returns false for no change.</summary>
    public JsonObject? Modify(ResourceType type, string ns, string name, Func<JsonObject, bool> mutate, string? subresource = null)
    {
        try
        {
            return Mutate(type, ns, name, WriteOptions.Internal, current =>
            {
                var candidate = (JsonObject)current.DeepClone();
                return mutate(candidate) ? Finish(type, current, candidate, WriteOptions.Internal, subresource, recordManagedFields: false, trusted: true) : null;
            });
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private JsonObject Mutate(ResourceType type, string ns, string name, WriteOptions options, Func<JsonObject, JsonObject?> mutate)
    {
        if (options.DryRun)
        {
            var current = Get(type, ns, name);
            return mutate(current) ?? current;
        }

        var result = _store.Update(type, ns, name, mutate);
        if (type != ResourceCatalog.Pods && type != ResourceCatalog.Namespaces && Meta.IsDeleting(result) && !HasFinalizers(result))
        {
            RemoveAndCollect(type, result, DeleteOptions.Default);
        }

        return result;
    }

    /// <param name="trusted">Internal writes (controllers) may change any field, including deletion metadata; clients may not.</param>
    private static JsonObject Finish(ResourceType type, JsonObject current, JsonObject candidate, WriteOptions options, string? subresource, bool recordManagedFields, bool trusted = false)
    {
        JsonObject result;
        if (trusted)
        {
            result = candidate;
        }
        else if (subresource == "status")
        {
            result = (JsonObject)current.DeepClone();
            result["status"] = candidate["status"]?.DeepClone();
            if (candidate["metadata"]?["managedFields"] is JsonArray mf)
            {
                Meta.Metadata(result)["managedFields"] = mf.DeepClone();
            }
        }
        else
        {
            result = candidate;
            if (type.HasStatus)
            {
                result["status"] = current["status"]?.DeepClone();
            }
        }

        var metadata = Meta.Metadata(result);
        var old = Meta.Metadata(current);
        foreach (var key in trusted ? IdentityFields : ClientImmutableFields)
        {
            metadata[key] = old[key]?.DeepClone();
            if (metadata[key] is null)
            {
                metadata.Remove(key);
            }
        }

        result["apiVersion"] = type.GroupVersion;
        result["kind"] = type.Kind;
        if (type == ResourceCatalog.Services)
        {
            Networking.ClusterIpRules.OnUpdate(current, result);
        }

        Defaults.Apply(type, result);
        Validation.Validate(type, result);
        options.Admission?.Invoke(type, result);
        if (TracksGeneration(type) && SpecChanged(current, result))
        {
            metadata["generation"] = (Meta.Long(old["generation"]) ?? 1) + 1;
        }

        var requested = candidate["metadata"]?["managedFields"];
        var previous = current["metadata"]?["managedFields"];
        if (requested is null && previous is not null && subresource != "status")
        {
            // A write that leaves managedFields out keeps them (as the apiserver does).
            metadata["managedFields"] = previous.DeepClone();
        }

        var rewritesOwnership = requested is JsonArray && !JsonNode.DeepEquals(requested, previous);
        if (recordManagedFields && options.FieldManager is { } manager && !rewritesOwnership)
        {
            // A request that edits managedFields itself (kubectl's client-side → server-side apply migration, or [] to
            // reset) is taken as is; any other write makes its manager own what it changed.
            ManagedFields.RecordUpdate(current, result, manager, type.GroupVersion, subresource);
        }

        return result;
    }

    /// <summary>Which kinds carry metadata.generation (bumped on spec changes): the workloads; configmaps, secrets, services and the like do not.</summary>
    private static bool TracksGeneration(ResourceType type) =>
        type == ResourceCatalog.Deployments || type == ResourceCatalog.StatefulSets || type == ResourceCatalog.ReplicaSets ||
        type == ResourceCatalog.Jobs || type == ResourceCatalog.CronJobs;

    private static bool SpecChanged(JsonObject a, JsonObject b)
    {
        var keys = a.Select(p => p.Key).Concat(b.Select(p => p.Key)).Where(k => k is not ("metadata" or "status" or "apiVersion" or "kind")).Distinct();
        return keys.Any(k => !JsonNode.DeepEquals(a[k], b[k]));
    }

    private void RequireActiveNamespace(string ns)
    {
        var namespaceObject = _store.Get(ResourceCatalog.Namespaces, "", ns) ?? throw ApiException.NotFound(ResourceCatalog.Namespaces, ns);
        if (Meta.IsDeleting(namespaceObject))
        {
            throw new ApiException(403, "Forbidden", $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private void EnsureDefaultServiceAccount(string ns)
    {
        if (_store.Get(ResourceCatalog.ServiceAccounts, ns, "default") is null)
        {
            try
            {
                Create(ResourceCatalog.ServiceAccounts, ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, WriteOptions.Internal);
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Created concurrently: fine.
            }
        }
    }

    private void AllocateClusterIp(JsonObject service)
    {
        var spec = service["spec"] as JsonObject ?? new JsonObject();
        service["spec"] = spec;
        var requested = Meta.Str(spec, "clusterIP");
        if (string.IsNullOrEmpty(requested) && Meta.Str(spec, "type") != "ExternalName")
        {
            var used = _store.List(ResourceCatalog.Services, null).Items.Select(s => Meta.Str(s["spec"], "clusterIP")).ToHashSet();
            // 10.96.0.1 is the API server's address on Kubernetes and 10.96.0.10 the cluster DNS (Networking/).
            var n = 11;
            while (used.Contains(Ip(n)))
            {
                n++;
            }

            requested = Ip(n);
            spec["clusterIP"] = requested;
        }

        if (!string.IsNullOrEmpty(requested))
        {
            spec["clusterIPs"] ??= new JsonArray(requested);
        }

        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";

        static string Ip(int n) => $"10.96.{(n / 250).ToString(CultureInfo.InvariantCulture)}.{(n % 250).ToString(CultureInfo.InvariantCulture)}";
    }

    private static bool HasFinalizers(JsonObject obj) => obj["metadata"]?["finalizers"] is JsonArray { Count: > 0 };

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }
}
