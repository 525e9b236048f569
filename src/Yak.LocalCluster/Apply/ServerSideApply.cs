using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Apply;

/// <summary>
/// Server-side apply: the applied configuration is merged into the live object; the manager owns exactly the fields it
/// applied; fields it applied before and dropped now are removed (unless someone else owns them); changing a field
/// another manager owns is a conflict (409) unless forced, which takes the field over.
/// </summary>
public static class ServerSideApply
{
    public static JsonObject Apply(ResourceType type, JsonObject? live, JsonObject applied, string manager, bool force)
    {
        var name = Meta.Name(applied);
        var apiVersion = Meta.Str(applied, "apiVersion") ?? type.GroupVersion;
        var appliedFields = FieldPaths.Of(applied, withStructs: true);
        var baseline = live ?? new JsonObject();
        var entries = live is null ? [] : ManagedFields.Read(live);
        var mine = entries.FirstOrDefault(e => e.IsSame(manager, "Apply", null));

        var conflicts = new List<(string Manager, string Path, string ApiVersion)>();
        foreach (var path in appliedFields)
        {
            // A struct is shared by whoever sets fields in it: only leaves conflict.
            if (live is null || FieldPaths.IsStruct(applied, path) || !FieldPaths.Get(live, path).Found || ManagedFields.SameValue(live, applied, path))
            {
                continue;
            }

            foreach (var other in entries.Where(e => e != mine && e.Subresource is null && e.Fields.Contains(path)))
            {
                conflicts.Add((other.Manager, path, other.ApiVersion));
            }
        }

        // Like the apiserver's lastAppliedManager: fields kubectl applied client-side (listed in the last-applied
        // annotation) may be taken over by a server-side apply without a conflict.
        var lastApplied = LastAppliedFields(live);
        conflicts.RemoveAll(c => c.Manager == ClientSideApplyManager && lastApplied.Contains(c.Path));
        if (conflicts.Count > 0 && !force)
        {
            throw ConflictError(type, name, conflicts);
        }

        var result = (JsonObject)baseline.DeepClone();
        var previouslyMine = mine?.Fields ?? [];
        var ownedByOthers = entries.Where(e => e != mine).SelectMany(e => e.Fields).ToHashSet(StringComparer.Ordinal);
        // Shortest first: removing a list element takes its fields (and defaults inside it) with it, and its key
        // field must still be there to find it.
        var removed = new List<string>();
        foreach (var path in previouslyMine.Where(p => !appliedFields.Contains(p) && !ownedByOthers.Contains(p)).OrderBy(p => p.Length))
        {
            if (removed.Any(r => path.StartsWith(r + FieldPaths.Separator, StringComparison.Ordinal)))
            {
                continue;
            }

            // A dropped struct goes whole (its defaults with it), unless another manager still owns something inside.
            if (ownedByOthers.Any(o => o.StartsWith(path + FieldPaths.Separator, StringComparison.Ordinal)))
            {
                continue;
            }

            FieldPaths.Remove(result, path);
            removed.Add(path);
        }

        var body = (JsonObject)applied.DeepClone();
        body.Remove("status");
        if (body["metadata"] is JsonObject appliedMetadata)
        {
            appliedMetadata.Remove("managedFields");
            appliedMetadata.Remove("resourceVersion");
        }

        result = StrategicMergePatch.Apply(result, body);

        foreach (var other in entries.Where(e => e != mine))
        {
            var structs = other.Fields.Where(p => other.Fields.Any(c => c.StartsWith(p + FieldPaths.Separator, StringComparison.Ordinal))).ToList();
            other.Fields.RemoveWhere(p => appliedFields.Contains(p) && live is not null && !FieldPaths.IsStruct(applied, p) && !ManagedFields.SameValue(live, applied, p));

            // A struct whose every field was taken over is no longer theirs either.
            foreach (var path in structs.OrderByDescending(p => p.Length))
            {
                if (!other.Fields.Any(c => c.StartsWith(path + FieldPaths.Separator, StringComparison.Ordinal)))
                {
                    other.Fields.Remove(path);
                }
            }
        }

        // Like the apiserver's lastAppliedUpdater: keep kubectl's last-applied annotation in step with what kubectl applies.
        if (manager == "kubectl" && Meta.Str(result["metadata"]?["annotations"], LastAppliedAnnotation) is not null)
        {
            var annotationValue = (JsonObject)body.DeepClone();
            if (annotationValue["metadata"] is JsonObject annotationMetadata && annotationMetadata["annotations"] is JsonObject own)
            {
                own.Remove(LastAppliedAnnotation);
            }

            ((JsonObject)result["metadata"]!["annotations"]!)[LastAppliedAnnotation] = annotationValue.ToJsonString() + "\n";
        }

        if (mine is null)
        {
            mine = new ManagedFieldsEntry { Manager = manager, Operation = "Apply", ApiVersion = apiVersion, Fields = appliedFields };
            entries.Add(mine);
        }
        else if (!mine.Fields.SetEquals(appliedFields) || mine.ApiVersion != apiVersion)
        {
            mine.Fields = appliedFields;
            mine.ApiVersion = apiVersion;
            mine.Time = null;
        }

        ManagedFields.Write(result, entries);
        return result;
    }

    private const string ClientSideApplyManager = "kubectl-client-side-apply";
    private const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private static HashSet<string> LastAppliedFields(JsonObject? live)
    {
        var text = Meta.Str(live?["metadata"]?["annotations"], LastAppliedAnnotation);
        if (text is null)
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(text) is JsonObject lastApplied ? FieldPaths.Of(lastApplied) : [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static ApiException ConflictError(ResourceType type, string name, List<(string Manager, string Path, string ApiVersion)> conflicts)
    {
        var causes = new JsonArray();
        foreach (var (manager, path, _) in conflicts)
        {
            causes.Add(new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{manager}\"",
                ["field"] = FieldPaths.Display(path),
            });
        }

        var lines = conflicts.Select(c => $"conflict with \"{c.Manager}\" using {c.ApiVersion}: {FieldPaths.Display(c.Path)}");
        var message = conflicts.Count == 1
            ? $"Apply failed with 1 conflict: {lines.First()}"
            : $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        var details = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["causes"] = causes };
        return new ApiException(409, "Conflict", message, details);
    }
}
