using System.Globalization;
using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Storage;

/// <summary>Small helpers over an object's JSON: metadata fields, timestamps, nested paths.</summary>
public static class Meta
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        var created = new JsonObject();
        obj["metadata"] = created;
        return created;
    }

    public static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string Name(JsonObject obj) => Str(obj["metadata"], "name") ?? "";

    public static string Namespace(JsonObject obj) => Str(obj["metadata"], "namespace") ?? "";

    public static string Uid(JsonObject obj) => Str(obj["metadata"], "uid") ?? "";

    public static long ResourceVersion(JsonObject obj) =>
        long.TryParse(Str(obj["metadata"], "resourceVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : 0;

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static JsonObject Labels(JsonObject obj) =>
        obj["metadata"]?["labels"] as JsonObject ?? new JsonObject();

    public static string? Label(JsonObject obj, string key) => Str(obj["metadata"]?["labels"], key);

    public static string Now() => Timestamp(DateTimeOffset.UtcNow);

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static long? Long(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        if (v.TryGetValue<double>(out var d))
        {
            return (long)d;
        }

        return v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : null;
    }

    /// <summary>The value at a dotted path (<c>spec.nodeName</c>), rendered as a string, or null when absent.</summary>
    public static string? PathString(JsonObject obj, string dottedPath)
    {
        JsonNode? node = obj;
        foreach (var part in dottedPath.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            _ => node.ToJsonString(),
        };
    }

    /// <summary>Labels of a selector-bearing object (<c>spec.selector.matchLabels</c> or <c>spec.selector</c> for services).</summary>
    public static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                if (v is JsonValue value && value.TryGetValue<string>(out var s))
                {
                    map[k] = s;
                }
            }
        }

        return map;
    }
}
