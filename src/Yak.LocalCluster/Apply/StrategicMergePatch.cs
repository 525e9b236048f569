using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Apply;

/// <summary>
/// Strategic merge patch as kubectl apply/edit/label produce it: maps merge, keyed lists merge by their merge key
/// (see <see cref="MergeKeys"/>), other lists are replaced; directives <c>$patch</c> (replace, delete, merge),
/// <c>$retainKeys</c>, <c>$setElementOrder/…</c> and <c>$deleteFromPrimitiveList/…</c> are honoured.
/// </summary>
public static class StrategicMergePatch
{
    private const string SetElementOrder = "$setElementOrder/";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    public static JsonObject Apply(JsonObject target, JsonObject patch) => MergeMap(target, patch) ?? new JsonObject();

    private static JsonObject? MergeMap(JsonObject? target, JsonObject patch)
    {
        var directive = patch["$patch"]?.GetValue<string>();
        if (directive == "delete")
        {
            return null;
        }

        if (directive == "replace")
        {
            var replaced = (JsonObject)patch.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }

        var result = target is null ? new JsonObject() : (JsonObject)target.DeepClone();
        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith(SetElementOrder, StringComparison.Ordinal))
            {
                continue;
            }

            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                var field = key[DeleteFromPrimitiveList.Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                {
                    var kept = list.Where(item => !remove.Any(r => JsonNode.DeepEquals(r, item))).Select(i => i?.DeepClone()).ToArray();
                    result[field] = new JsonArray(kept);
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            switch (value)
            {
                case JsonObject patchChild:
                    var merged = MergeMap(result[key] as JsonObject, patchChild);
                    if (merged is null)
                    {
                        result.Remove(key);
                    }
                    else
                    {
                        result[key] = merged;
                    }

                    break;
                case JsonArray patchList:
                    result[key] = MergeList(key, result[key] as JsonArray, patchList, patch[SetElementOrder + key] as JsonArray);
                    break;
                default:
                    result[key] = value.DeepClone();
                    break;
            }
        }

        foreach (var (key, order) in patch)
        {
            if (key.StartsWith(SetElementOrder, StringComparison.Ordinal) && !patch.ContainsKey(key[SetElementOrder.Length..]) &&
                result[key[SetElementOrder.Length..]] is JsonArray existing && order is JsonArray orderList)
            {
                var field = key[SetElementOrder.Length..];
                result[field] = Reorder(existing, orderList, MergeKeys.For(field, existing));
            }
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet();
            foreach (var key in result.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key))
                {
                    result.Remove(key);
                }
            }
        }

        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? target, JsonArray patch, JsonArray? order)
    {
        if (patch.OfType<JsonObject>().Any(o => o["$patch"]?.GetValue<string>() == "replace"))
        {
            return new JsonArray(patch.Where(o => o is not JsonObject p || p["$patch"] is null).Select(n => n?.DeepClone()).ToArray());
        }

        var key = MergeKeys.For(field, target, patch);
        if (MergeKeys.IsPrimitiveSet(field))
        {
            var union = (target ?? []).Select(n => n?.DeepClone()).ToList();
            foreach (var item in patch)
            {
                if (!union.Any(u => JsonNode.DeepEquals(u, item)))
                {
                    union.Add(item?.DeepClone());
                }
            }

            return Reorder(new JsonArray(union.ToArray()), order, null);
        }

        if (key is null || !patch.All(p => p is JsonObject))
        {
            return (JsonArray)patch.DeepClone();
        }

        var result = (target ?? []).Select(n => n?.DeepClone()).ToList();
        foreach (var item in patch.OfType<JsonObject>())
        {
            var id = MergeKeys.KeyOf(item, key);
            var index = id is null ? -1 : result.FindIndex(r => MergeKeys.KeyOf(r, key) == id);
            var isDelete = item["$patch"]?.GetValue<string>() == "delete";
            if (isDelete)
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                result[index] = MergeMap(result[index] as JsonObject, item);
            }
            else
            {
                result.Add(MergeMap(null, item));
            }
        }

        return Reorder(new JsonArray(result.Where(r => r is not null).ToArray()), order, key);
    }

    private static JsonArray Reorder(JsonArray list, JsonArray? order, string? key)
    {
        if (order is null)
        {
            return list;
        }

        var ids = order.Select(o => key is null ? o?.ToJsonString() : MergeKeys.KeyOf(o, key)).ToList();
        var items = list.Select(n => n?.DeepClone()).ToList();
        var sorted = items
            .Select((item, i) => (item, i, rank: ids.IndexOf(key is null ? item?.ToJsonString() : MergeKeys.KeyOf(item, key))))
            .OrderBy(x => x.rank < 0 ? int.MaxValue : x.rank)
            .ThenBy(x => x.i)
            .Select(x => x.item)
            .ToArray();
        return new JsonArray(sorted);
    }
}
