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
    /// <summary>Returns the root node, or null when the text is empty or not YAML (the reason is in <paramref name="bag"/>).</summary>
    public static YNode? Read(string text, DiagnosticBag bag)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, anchors, bag);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                bag.Error(ToMark(second.Start), string.Empty, "expected a single YAML document, found a second one");
            }

            return root is YScalar { IsNull: true } ? null : root;
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

    private static YNode ReadNode(IParser parser, Dictionary<string, YNode> anchors, DiagnosticBag bag)
    {
        var current = parser.Current ?? throw new YamlException("unexpected end of the document");
        YNode node;
        string? anchor;
        switch (current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    return target;
                }

                bag.Error(ToMark(alias.Start), string.Empty, $"unknown alias *{alias.Value.Value} (anchors must be defined, with &name, before they are used)");

                // A quoted placeholder, so the unknown alias is not reported again as a missing or wrongly typed value.
                return new YScalar(ToMark(alias.Start), $"*{alias.Value.Value}", plain: false, tag: null);
            case Scalar scalar:
                parser.MoveNext();
                var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
                node = new YScalar(ToMark(scalar.Start), scalar.Value, scalar.Style == ScalarStyle.Plain, tag);
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                break;
            case SequenceStart start:
                parser.MoveNext();
                var items = new List<YNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(parser, anchors, bag));
                }

                node = new YSequence(ToMark(start.Start), items);
                anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                break;
            case MappingStart start:
                parser.MoveNext();
                node = ReadMapping(parser, ToMark(start.Start), anchors, bag);
                anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                break;
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }

        if (anchor is not null)
        {
            anchors[anchor] = node;
        }

        return node;
    }

    private static YMapping ReadMapping(IParser parser, SourceMark start, Dictionary<string, YNode> anchors, DiagnosticBag bag)
    {
        var entries = new List<KeyValuePair<YScalar, YNode>>();
        var merged = new List<KeyValuePair<YScalar, YNode>>();
        var seen = new Dictionary<string, YScalar>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(parser, anchors, bag);
            var value = ReadNode(parser, anchors, bag);
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

        return new YMapping(start, entries);
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
