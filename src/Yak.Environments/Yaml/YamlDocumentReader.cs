using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using Yak.Environments.Diagnostics;

namespace Yak.Environments.Yaml;

/// <summary>
/// Reads one YAML document into <see cref="YNode"/>s with their line and column, using YamlDotNet's event parser.
/// Duplicate keys, non-scalar keys, unknown aliases and extra documents are reported; a syntax error is reported at
/// its location and ends the read (YAML cannot be parsed past it). Merge keys (<c>&lt;&lt;: *base</c>) are applied.
/// </summary>
internal static partial class YamlDocumentReader
{
    /// <summary>Deepest nesting read (a spec needs about ten); 50,000 nested '[' used to overflow yakd's stack.</summary>
    public const int MaxDepth = 100;

    /// <summary>Most nodes the document may stand for once aliases are expanded (a billion-laughs file stops here).</summary>
    public const long MaxExpandedNodes = 1_000_000;

    /// <summary>Most alias uses in one document.</summary>
    public const int MaxAliases = 10_000;

    private sealed class LimitExceededException(Mark at, string message) : Exception(message)
    {
        public Mark At { get; } = at;
    }

    /// <summary>What one read has used of its limits; anchors remember the expanded size of what they name.</summary>
    private sealed class Budget
    {
        public Dictionary<string, (YNode Node, long Weight)> Anchors { get; } = new(StringComparer.Ordinal);

        public long Expanded { get; set; }

        public int Aliases { get; set; }
    }

    /// <summary>Returns the root node, or null when the text is empty or not YAML (the reason is in <paramref name="bag"/>).</summary>
    public static YNode? Read(string text, DiagnosticBag bag)
    {
        var parser = new Parser(new StringReader(text));
        var budget = new Budget();
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var (root, _) = ReadNode(parser, budget, bag, 0);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                bag.Error(ToMark(second.Start), string.Empty, "expected a single YAML document, found a second one");
            }

            return root is YScalar { IsNull: true } ? null : root;
        }
        catch (LimitExceededException ex)
        {
            bag.Error(ToMark(ex.At), string.Empty, ex.Message);
            return null;
        }
        catch (YamlException ex)
        {
            bag.Error(ToMark(ex.Start), string.Empty, $"invalid YAML: {CleanMessage(ex.Message)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this when the text ends inside a flow collection or a quoted scalar.
            var lines = text.Split('\n');
            var at = parser.Current is { } last ? ToMark(last.Start) : new SourceMark(lines.Length, 1);
            bag.Error(at, string.Empty, "invalid YAML: the file ends inside an unclosed [ ], { } or quote that starts here");
            return null;
        }
    }

    private static (YNode Node, long Weight) ReadNode(IParser parser, Budget budget, DiagnosticBag bag, int depth)
    {
        var current = parser.Current ?? throw new YamlException("unexpected end of the document");
        if (depth > MaxDepth)
        {
            throw new LimitExceededException(current.Start, $"nested more than {MaxDepth} levels deep; a spec never needs that many, check for a runaway [ or {{");
        }

        YNode node;
        string? anchor;
        long weight = 1;
        switch (current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (budget.Anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    if (++budget.Aliases > MaxAliases)
                    {
                        throw new LimitExceededException(alias.Start, $"more than {MaxAliases} aliases (*name) in one file");
                    }

                    Charge(budget, alias.Start, target.Weight);
                    return target;
                }

                bag.Error(ToMark(alias.Start), string.Empty, $"unknown alias *{alias.Value.Value} (anchors must be defined, with &name, before they are used)");

                // A quoted placeholder, so the unknown alias is not reported again as a missing or wrongly typed value.
                return (new YScalar(ToMark(alias.Start), $"*{alias.Value.Value}", plain: false, tag: null), 1);
            case Scalar scalar:
                parser.MoveNext();
                Charge(budget, scalar.Start, 1);
                var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
                node = new YScalar(ToMark(scalar.Start), scalar.Value, scalar.Style == ScalarStyle.Plain, tag);
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                break;
            case SequenceStart start:
                parser.MoveNext();
                Charge(budget, start.Start, 1);
                var items = new List<YNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var (item, itemWeight) = ReadNode(parser, budget, bag, depth + 1);
                    items.Add(item);
                    weight += itemWeight;
                }

                node = new YSequence(ToMark(start.Start), items);
                anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                break;
            case MappingStart start:
                parser.MoveNext();
                Charge(budget, start.Start, 1);
                (node, var mappingWeight) = ReadMapping(parser, ToMark(start.Start), budget, bag, depth);
                weight += mappingWeight;
                anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                break;
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }

        if (anchor is not null)
        {
            budget.Anchors[anchor] = (node, weight);
        }

        return (node, weight);
    }

    private static void Charge(Budget budget, Mark at, long nodes)
    {
        budget.Expanded += nodes;
        if (budget.Expanded > MaxExpandedNodes)
        {
            throw new LimitExceededException(at, $"the document stands for more than {MaxExpandedNodes} values once its aliases are expanded (nested aliases multiply)");
        }
    }

    private static (YMapping Node, long Weight) ReadMapping(IParser parser, SourceMark start, Budget budget, DiagnosticBag bag, int depth)
    {
        var entries = new List<KeyValuePair<YScalar, YNode>>();
        var merged = new List<KeyValuePair<YScalar, YNode>>();
        var seen = new Dictionary<string, YScalar>(StringComparer.Ordinal);
        long weight = 0;
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var (keyNode, keyWeight) = ReadNode(parser, budget, bag, depth + 1);
            var (value, valueWeight) = ReadNode(parser, budget, bag, depth + 1);
            weight += keyWeight + valueWeight;
            if (keyNode is not YScalar key)
            {
                bag.Error(keyNode, string.Empty, $"expected a plain key, got {keyNode.Describe()}");
                continue;
            }

            if (key.Plain && key.Value == "<<")
            {
                CollectMerge(value, merged, bag);
                continue;
            }

            if (seen.TryGetValue(key.Value, out var first))
            {
                bag.Error(key, string.Empty, $"duplicate key \"{key.Value}\" (first defined at line {first.Start.Line})");
                continue;
            }

            seen[key.Value] = key;
            entries.Add(new(key, value));
        }

        foreach (var entry in merged)
        {
            if (seen.TryAdd(entry.Key.Value, entry.Key))
            {
                entries.Add(entry);
            }
        }

        return (new YMapping(start, entries), weight);
    }

    private static void CollectMerge(YNode value, List<KeyValuePair<YScalar, YNode>> merged, DiagnosticBag bag)
    {
        var sources = value is YSequence seq ? seq.Items : [value];
        foreach (var source in sources)
        {
            if (source is YMapping mapping)
            {
                merged.AddRange(mapping.Entries.Where(e => merged.All(m => m.Key.Value != e.Key.Value)));
            }
            else
            {
                bag.Error(source, string.Empty, $"merge key <<: expected a mapping or an alias of one, got {source.Describe()}");
            }
        }
    }

    private static SourceMark ToMark(Mark mark) => new((int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static string CleanMessage(string message) => LocationPrefix().Replace(message, string.Empty).Trim();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex LocationPrefix();
}
