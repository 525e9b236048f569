namespace Yak.Environments.Yaml;

/// <summary>A 1-based position in a YAML file.</summary>
public readonly record struct SourceMark(int Line, int Column);

/// <summary>A YAML node that remembers where it starts. Aliases are resolved to the node they name.</summary>
internal abstract class YNode(SourceMark start)
{
    public SourceMark Start { get; } = start;

    /// <summary>How the node is described in "expected X, got Y" messages.</summary>
    public abstract string Describe();
}

/// <summary>A scalar: its text, whether it was quoted, and its explicit tag if any.</summary>
internal sealed class YScalar(SourceMark start, string value, bool plain, string? tag) : YNode(start)
{
    private static readonly HashSet<string> NullWords = ["", "~", "null", "Null", "NULL"];
    private static readonly HashSet<string> TrueWords = ["true", "True", "TRUE"];
    private static readonly HashSet<string> FalseWords = ["false", "False", "FALSE"];

    public string Value { get; } = value;

    /// <summary>True when the scalar was written without quotes (so <c>8080</c> is a number and <c>~</c> is null).</summary>
    public bool Plain { get; } = plain;

    public string? Tag { get; } = tag;

    public bool IsNull => Plain && Tag is null && NullWords.Contains(Value);

    public bool? AsBool => !Plain || Tag is not null ? null : TrueWords.Contains(Value) ? true : FalseWords.Contains(Value) ? false : null;

    public override string Describe() => IsNull ? "null" : Plain ? $"\"{Value}\"" : $"\"{Value}\" (a string)";
}

/// <summary>A sequence of nodes.</summary>
internal sealed class YSequence(SourceMark start, IReadOnlyList<YNode> items) : YNode(start)
{
    public IReadOnlyList<YNode> Items { get; } = items;

    public override string Describe() => "a list";
}

/// <summary>A mapping with scalar keys, in document order (duplicates were reported and dropped by the reader).</summary>
internal sealed class YMapping(SourceMark start, IReadOnlyList<KeyValuePair<YScalar, YNode>> entries) : YNode(start)
{
    public IReadOnlyList<KeyValuePair<YScalar, YNode>> Entries { get; } = entries;

    public YNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Value == key).Value;

    public YScalar? KeyNode(string key) => Entries.FirstOrDefault(e => e.Key.Value == key).Key;

    public override string Describe() => "a mapping";
}
