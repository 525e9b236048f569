using System.Globalization;
using Yak.Environments.Diagnostics;

namespace Yak.Environments.Yaml;

/// <summary>Typed reads of <see cref="YNode"/>s that report "expected X, got Y" at the node and return null on failure.</summary>
internal sealed class NodeReader(DiagnosticBag bag)
{
    public DiagnosticBag Bag { get; } = bag;

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static string Index(string path, int index) => $"{path}[{index}]";

    public void Error(YNode node, string path, string message) => Bag.Error(node, path, message);

    public void Warning(YNode node, string path, string message) => Bag.Warning(node, path, message);

    public YMapping? Mapping(YNode node, string path, string expected = "a mapping")
    {
        if (node is YMapping mapping)
        {
            return mapping;
        }

        Expected(node, path, expected);
        return null;
    }

    public YSequence? Sequence(YNode node, string path, string expected = "a list")
    {
        if (node is YSequence sequence)
        {
            return sequence;
        }

        Expected(node, path, expected);
        return null;
    }

    /// <summary>A non-null scalar's text (numbers and booleans are accepted as their text).</summary>
    public string? String(YNode node, string path, string expected = "a string")
    {
        if (node is YScalar { IsNull: false } scalar)
        {
            return scalar.Value;
        }

        Expected(node, path, expected);
        return null;
    }

    /// <summary>A non-empty string.</summary>
    public string? NonEmpty(YNode node, string path, string expected = "a non-empty string")
    {
        var text = String(node, path, expected);
        if (text is not null && text.Trim().Length == 0)
        {
            Expected(node, path, expected);
            return null;
        }

        return text;
    }

    public int? Int(YNode node, string path, int min, int max, string? expected = null)
    {
        expected ??= $"an integer {min}-{max}";
        if (node is YScalar { IsNull: false } scalar && TryInt(scalar.Value, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Expected(node, path, expected);
        return null;
    }

    public bool? Bool(YNode node, string path)
    {
        if (node is YScalar scalar && scalar.AsBool is { } value)
        {
            return value;
        }

        Expected(node, path, "true or false");
        return null;
    }

    /// <summary>A list of strings; with <paramref name="allowSingle"/> a lone string counts as a one-item list.</summary>
    public IReadOnlyList<string>? StringList(YNode node, string path, bool allowSingle = false)
    {
        if (allowSingle && node is YScalar { IsNull: false } single)
        {
            return [single.Value];
        }

        var sequence = Sequence(node, path, allowSingle ? "a string or a list of strings" : "a list of strings");
        if (sequence is null)
        {
            return null;
        }

        var result = new List<string>();
        var ok = true;
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = String(sequence.Items[i], Index(path, i));
            ok &= item is not null;
            if (item is not null)
            {
                result.Add(item);
            }
        }

        return ok ? result : null;
    }

    /// <summary>Reports every key of <paramref name="mapping"/> not in <paramref name="allowed"/> (extensions <c>x-…</c> pass).</summary>
    public void CheckKeys(YMapping mapping, string path, IReadOnlyList<string> allowed, string what)
    {
        foreach (var (key, _) in mapping.Entries)
        {
            if (!allowed.Contains(key.Value) && !Schema.YakKeys.IsExtension(key.Value))
            {
                Error(key, Join(path, key.Value), $"unknown key in {what}{DidYouMean.Hint(key.Value, allowed)}; expected one of: {string.Join(", ", allowed)}");
            }
        }
    }

    public void Expected(YNode node, string path, string expected) => Error(node, path, $"expected {expected}, got {node.Describe()}");

    public static bool TryInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
