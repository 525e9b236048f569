using System.Text.Json.Nodes;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>Label selectors (<c>=, ==, !=, in, notin, key, !key</c>) and field selectors (<c>=, ==, !=</c> on dotted paths).</summary>
public static class Selectors
{
    public static Func<JsonObject, bool> ParseLabelSelector(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return _ => true;
        }

        var requirements = SplitTopLevel(selector).Select(ParseLabelRequirement).ToList();
        return obj =>
        {
            var labels = Meta.StringMap(obj["metadata"]?["labels"]);
            return requirements.All(r => r(labels));
        };
    }

    public static Func<JsonObject, bool> ParseFieldSelector(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return _ => true;
        }

        var requirements = new List<Func<JsonObject, bool>>();
        foreach (var part in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, op, value) = SplitOperator(part) ?? throw ApiException.BadRequest($"invalid field selector: \"{part}\"");
            var negate = op == "!=";
            requirements.Add(obj =>
            {
                var actual = Meta.PathString(obj, key) ?? "";
                return (actual == value) != negate;
            });
        }

        return obj => requirements.All(r => r(obj));
    }

    /// <summary>Matches a label map against a <c>LabelSelector</c> object (matchLabels + matchExpressions).</summary>
    public static bool Matches(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is not JsonObject sel)
        {
            return false;
        }

        foreach (var (k, v) in Meta.StringMap(sel["matchLabels"]))
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        if (sel["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var key = Meta.Str(e, "key") ?? "";
                var values = (e["values"] as JsonArray)?.Select(x => x?.GetValue<string>() ?? "").ToHashSet() ?? [];
                var has = labels.TryGetValue(key, out var actual);
                var ok = Meta.Str(e, "operator") switch
                {
                    "In" => has && values.Contains(actual!),
                    "NotIn" => !has || !values.Contains(actual!),
                    "Exists" => has,
                    "DoesNotExist" => !has,
                    _ => false,
                };
                if (!ok)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static Func<Dictionary<string, string>, bool> ParseLabelRequirement(string text)
    {
        text = text.Trim();
        var lower = text;
        var setOp = FindSetOperator(lower);
        if (setOp is { } found)
        {
            var key = text[..found.Index].Trim();
            var rest = text[(found.Index + found.Op.Length)..].Trim();
            if (!rest.StartsWith('(') || !rest.EndsWith(')'))
            {
                throw ApiException.BadRequest($"unable to parse requirement: \"{text}\"");
            }

            var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            return found.Op.Trim() == "in"
                ? labels => labels.TryGetValue(key, out var v) && values.Contains(v)
                : labels => !labels.TryGetValue(key, out var v) || !values.Contains(v);
        }

        if (SplitOperator(text) is var (k, op, value))
        {
            return op == "!="
                ? labels => !labels.TryGetValue(k, out var v) || v != value
                : labels => labels.TryGetValue(k, out var v) && v == value;
        }

        if (text.StartsWith('!'))
        {
            var key = text[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        ValidateKey(text);
        return labels => labels.ContainsKey(text);
    }

    private static (int Index, string Op)? FindSetOperator(string text)
    {
        foreach (var op in new[] { " notin ", " in " })
        {
            var i = text.IndexOf(op, StringComparison.Ordinal);
            if (i > 0)
            {
                return (i, op);
            }
        }

        return null;
    }

    private static (string Key, string Op, string Value)? SplitOperator(string text)
    {
        foreach (var op in new[] { "!=", "==", "=" })
        {
            var i = text.IndexOf(op, StringComparison.Ordinal);
            if (i > 0)
            {
                var key = text[..i].Trim();
                ValidateKey(key);
                return (key, op, text[(i + op.Length)..].Trim());
            }
        }

        return null;
    }

    private static void ValidateKey(string key)
    {
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '!' or '=' or ','))
        {
            throw ApiException.BadRequest($"unable to parse requirement: invalid label key \"{key}\"");
        }
    }

    /// <summary>Splits on commas that are not inside parentheses.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }
}
