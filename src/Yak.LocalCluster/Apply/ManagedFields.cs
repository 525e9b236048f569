using System.Text.Json.Nodes;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Apply;

/// <summary>One <c>metadata.managedFields</c> entry: who owns which fields, and through which operation.</summary>
public sealed class ManagedFieldsEntry
{
    public required string Manager { get; init; }

    public required string Operation { get; init; }

    public required string ApiVersion { get; set; }

    public string? Subresource { get; init; }

    public string? Time { get; set; }

    public required HashSet<string> Fields { get; set; }

    public bool IsSame(string manager, string operation, string? subresource) =>
        Manager == manager && Operation == operation && Subresource == subresource;
}

/// <summary>Reads, updates and writes <c>metadata.managedFields</c>.</summary>
public static class ManagedFields
{
    public static List<ManagedFieldsEntry> Read(JsonObject obj)
    {
        var entries = new List<ManagedFieldsEntry>();
        if (obj["metadata"]?["managedFields"] is JsonArray array)
        {
            foreach (var e in array.OfType<JsonObject>())
            {
                entries.Add(new ManagedFieldsEntry
                {
                    Manager = Meta.Str(e, "manager") ?? "",
                    Operation = Meta.Str(e, "operation") ?? "Update",
                    ApiVersion = Meta.Str(e, "apiVersion") ?? "",
                    Subresource = Meta.Str(e, "subresource"),
                    Time = Meta.Str(e, "time"),
                    Fields = FieldPaths.FromFieldsV1(e["fieldsV1"]),
                });
            }
        }

        return entries;
    }

    public static void Write(JsonObject obj, List<ManagedFieldsEntry> entries)
    {
        var array = new JsonArray();
        foreach (var e in entries.Where(e => e.Fields.Count > 0))
        {
            var node = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion,
                ["time"] = e.Time ?? Meta.Now(),
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = FieldPaths.ToFieldsV1(e.Fields),
            };
            if (e.Subresource is not null)
            {
                node["subresource"] = e.Subresource;
            }

            array.Add(node);
        }

        if (array.Count == 0)
        {
            Meta.Metadata(obj).Remove("managedFields");
        }
        else
        {
            Meta.Metadata(obj)["managedFields"] = array;
        }
    }

    /// <summary>
    /// Records a non-apply write (create, update, patch) by <paramref name="manager"/>: it now owns the fields it changed,
    /// nobody owns fields that were removed.
    /// </summary>
    public static void RecordUpdate(JsonObject? previous, JsonObject updated, string manager, string apiVersion, string? subresource)
    {
        var entries = previous is null ? [] : Read(previous);
        var statusOnly = subresource == "status";
        var newFields = FieldPaths.Of(updated, includeStatus: statusOnly);
        var oldFields = previous is null ? [] : FieldPaths.Of(previous, includeStatus: statusOnly);
        if (statusOnly)
        {
            newFields.RemoveWhere(p => !p.StartsWith("f:status", StringComparison.Ordinal));
            oldFields.RemoveWhere(p => !p.StartsWith("f:status", StringComparison.Ordinal));
        }

        var changed = newFields.Where(p => previous is null || !SameValue(previous, updated, p)).ToHashSet(StringComparer.Ordinal);
        var removed = oldFields.Where(p => !newFields.Contains(p)).ToHashSet(StringComparer.Ordinal);
        if (changed.Count == 0 && removed.Count == 0)
        {
            Write(updated, entries);
            return;
        }

        foreach (var e in entries)
        {
            e.Fields.ExceptWith(removed);
            if (!e.IsSame(manager, "Update", subresource))
            {
                e.Fields.ExceptWith(changed);
            }
        }

        var mine = entries.FirstOrDefault(e => e.IsSame(manager, "Update", subresource));
        if (mine is null)
        {
            mine = new ManagedFieldsEntry { Manager = manager, Operation = "Update", ApiVersion = apiVersion, Subresource = subresource, Fields = [] };
            entries.Add(mine);
        }

        mine.Fields.UnionWith(changed);
        mine.Time = Meta.Now();
        mine.ApiVersion = apiVersion;
        Write(updated, entries);
    }

    public static bool SameValue(JsonObject a, JsonObject b, string path)
    {
        var (foundA, valueA) = FieldPaths.Get(a, path);
        var (foundB, valueB) = FieldPaths.Get(b, path);
        if (foundA != foundB)
        {
            return false;
        }

        // A keyed list element is "the same" as long as it exists; its fields are compared separately.
        return path.Split(FieldPaths.Separator)[^1].StartsWith("k:", StringComparison.Ordinal) || JsonNode.DeepEquals(valueA, valueB);
    }
}
