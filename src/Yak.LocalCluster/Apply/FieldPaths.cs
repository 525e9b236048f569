using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Apply;

/// <summary>
/// Field paths in the FieldsV1 vocabulary: <c>f:name</c> for a map key, <c>k:{"name":"c"}</c> for a keyed list element.
/// A path is its elements joined by <see cref="Separator"/>; a set of paths converts to and from FieldsV1 JSON.
/// </summary>
public static class FieldPaths
{
    public const char Separator = '\u0001';

    private static readonly HashSet<string> UntrackedMetadata = new(StringComparer.Ordinal)
    {
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
        "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
    };

    /// <summary>
    /// Structs every object of their kind has (Go values, not pointers): the apiserver's field sets carry no "." for them,
    /// so owning their children never means owning them.
    /// </summary>
    private static readonly HashSet<string> AlwaysPresentStructs = new(StringComparer.Ordinal) { "spec", "template", "metadata", "strategy", "updateStrategy" };

    /// <summary>
    /// The leaf fields an object sets (what an applier owns after applying it), excluding identity, status and
    /// bookkeeping. With <paramref name="withStructs"/> also the optional structs and maps it sets ("." in FieldsV1,
    /// e.g. a container's <c>readinessProbe</c>): an applier that drops one drops it whole, defaults included.
    /// </summary>
    public static HashSet<string> Of(JsonObject obj, bool includeStatus = false, bool withStructs = false)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" || (key == "status" && !includeStatus))
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (mk, mv) in metadata)
                {
                    if (!UntrackedMetadata.Contains(mk))
                    {
                        Collect(mv, mk, "f:metadata" + Separator + "f:" + mk, set, withStructs);
                    }
                }

                continue;
            }

            Collect(value, key, "f:" + key, set, withStructs);
        }

        return set;
    }

    /// <summary>True when <paramref name="path"/> names an object (struct or map) in <paramref name="obj"/>, not a leaf.</summary>
    public static bool IsStruct(JsonNode obj, string path) => Get(obj, path).Value is JsonObject;

    private static void Collect(JsonNode? node, string field, string prefix, HashSet<string> into, bool withStructs)
    {
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                if (withStructs && !AlwaysPresentStructs.Contains(field))
                {
                    into.Add(prefix);
                }

                foreach (var (key, value) in o)
                {
                    Collect(value, key, prefix + Separator + "f:" + key, into, withStructs);
                }

                break;
            case JsonArray a when MergeKeys.For(field, a) is { } key && a.All(i => i is JsonObject e && e.ContainsKey(key)):
                foreach (var item in a.OfType<JsonObject>())
                {
                    var elementPath = prefix + Separator + ElementKey(key, item[key]);
                    into.Add(elementPath);
                    foreach (var (k, v) in item)
                    {
                        Collect(v, k, elementPath + Separator + "f:" + k, into, withStructs);
                    }
                }

                break;
            default:
                into.Add(prefix);
                break;
        }
    }

    public static string ElementKey(string key, JsonNode? value) =>
        "k:" + new JsonObject { [key] = value?.DeepClone() }.ToJsonString();

    /// <summary>The value at a path, or (false, null) when the path does not exist.</summary>
    public static (bool Found, JsonNode? Value) Get(JsonNode? root, string path)
    {
        JsonNode? node = root;
        foreach (var element in path.Split(Separator))
        {
            if (!TryStep(node, element, out node, out _, out _))
            {
                return (false, null);
            }
        }

        return (true, node);
    }

    /// <summary>Removes the field or list element at a path; does nothing when it does not exist.</summary>
    public static void Remove(JsonNode root, string path)
    {
        var elements = path.Split(Separator);
        JsonNode? node = root;
        for (var i = 0; i < elements.Length - 1; i++)
        {
            if (!TryStep(node, elements[i], out node, out _, out _))
            {
                return;
            }
        }

        if (TryStep(node, elements[^1], out _, out var parent, out var index))
        {
            switch (parent)
            {
                case JsonObject o:
                    o.Remove(elements[^1][2..]);
                    break;
                case JsonArray a:
                    a.RemoveAt(index);
                    break;
            }
        }
    }

    private static bool TryStep(JsonNode? node, string element, out JsonNode? child, out JsonNode? parent, out int index)
    {
        child = null;
        parent = node;
        index = -1;
        if (element.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject o && o.ContainsKey(element[2..]))
        {
            child = o[element[2..]];
            return true;
        }

        if (element.StartsWith("k:", StringComparison.Ordinal) && node is JsonArray a && JsonNode.Parse(element[2..]) is JsonObject keyObject)
        {
            for (var i = 0; i < a.Count; i++)
            {
                if (a[i] is JsonObject item && keyObject.All(kv => JsonNode.DeepEquals(item[kv.Key], kv.Value)))
                {
                    child = item;
                    index = i;
                    return true;
                }
            }
        }

        return false;
    }

    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.OrderBy(p => p, StringComparer.Ordinal))
        {
            var node = root;
            foreach (var element in path.Split(Separator))
            {
                if (node[element] is not JsonObject next)
                {
                    next = new JsonObject();
                    node[element] = next;
                }

                node = next;
            }

            node["."] = new JsonObject();
        }

        Simplify(root);
        return root;
    }

    /// <summary>A "." marker on a node with no other children is written as just <c>{}</c>.</summary>
    private static void Simplify(JsonObject node)
    {
        foreach (var (_, child) in node.ToList())
        {
            if (child is JsonObject c)
            {
                Simplify(c);
            }
        }

        if (node.Count == 1 && node.ContainsKey("."))
        {
            node.Remove(".");
        }
    }

    public static HashSet<string> FromFieldsV1(JsonNode? fields)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (fields is JsonObject o)
        {
            foreach (var (key, value) in o)
            {
                Walk(value, key, set);
            }
        }

        return set;
    }

    private static void Walk(JsonNode? node, string prefix, HashSet<string> into)
    {
        if (node is not JsonObject o || o.Count == 0)
        {
            into.Add(prefix);
            return;
        }

        foreach (var (key, value) in o)
        {
            if (key == ".")
            {
                into.Add(prefix);
            }
            else
            {
                Walk(value, prefix + Separator + key, into);
            }
        }
    }

    /// <summary>A path as kubectl prints it in conflicts, e.g. <c>.spec.replicas</c>.</summary>
    public static string Display(string path) =>
        string.Concat(path.Split(Separator).Select(e => e.StartsWith("f:", StringComparison.Ordinal) ? "." + e[2..] : "[" + e[2..] + "]"));
}
