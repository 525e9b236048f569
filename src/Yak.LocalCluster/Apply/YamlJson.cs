using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Yak.LocalCluster.Apply;

/// <summary>
/// Reads a request body that may be JSON or YAML (apply patches are YAML, though clients usually send JSON), within
/// bounds: at most <see cref="MaxDepth"/> levels of nesting, and no YAML anchors or aliases (an alias can point at its
/// own parent, <c>&amp;a {x: *a}</c>, or multiply a small body into a huge one; no Kubernetes object needs them).
/// Built from the parser's event stream without recursion, so no input can exhaust the stack.
/// </summary>
public static class YamlJson
{
    public const int MaxDepth = 100;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = MaxDepth };

    public static JsonNode? Parse(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(text, documentOptions: JsonOptions);
            }
            catch (JsonException)
            {
                // Flow-style YAML also starts with '{'; fall through to the YAML reader (which bounds depth as well).
            }
        }

        try
        {
            return ReadFirstDocument(new Parser(new StringReader(text)));
        }
        catch (YamlException e)
        {
            throw ApiException.BadRequest($"error decoding YAML: {e.Message}");
        }
    }

    private static JsonNode? ReadFirstDocument(IParser parser)
    {
        // Open containers; a mapping's pending key waits for its value.
        var open = new Stack<(JsonNode Container, string? Key)>();
        JsonNode? root = null;
        var seenRoot = false;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case AnchorAlias:
                    throw Refused("YAML aliases (*name) are not accepted");
                case NodeEvent { Anchor.IsEmpty: false }:
                    throw Refused("YAML anchors (&name) are not accepted");
                case MappingStart:
                    Open(new JsonObject());
                    break;
                case SequenceStart:
                    Open(new JsonArray());
                    break;
                case MappingEnd or SequenceEnd:
                    var (closed, pending) = open.Pop();
                    if (pending is not null)
                    {
                        throw ApiException.BadRequest($"error decoding YAML: key \"{pending}\" has no value");
                    }

                    Add(closed);
                    break;
                case Scalar scalar:
                    if (open.TryPeek(out var top) && top.Container is JsonObject && top.Key is null)
                    {
                        open.Pop();
                        open.Push((top.Container, scalar.Value));
                    }
                    else
                    {
                        Add(Scalar(scalar));
                    }

                    break;
                case DocumentEnd when seenRoot:
                    return root;
            }
        }

        return root;

        void Open(JsonNode container)
        {
            if (open.TryPeek(out var parent) && parent.Container is JsonObject && parent.Key is null)
            {
                throw ApiException.BadRequest("error decoding YAML: mapping keys must be strings");
            }

            if (open.Count >= MaxDepth)
            {
                throw new ApiException(422, "Invalid", $"the request body is nested more than {MaxDepth} levels deep");
            }

            open.Push((container, null));
        }

        void Add(JsonNode? value)
        {
            if (open.Count == 0)
            {
                root = value;
                seenRoot = true;
                return;
            }

            var (container, key) = open.Pop();
            if (container is JsonArray array)
            {
                array.Add(value);
                open.Push((container, null));
                return;
            }

            var obj = (JsonObject)container;
            if (obj.ContainsKey(key!))
            {
                throw ApiException.BadRequest($"error decoding YAML: key \"{key}\" appears twice in a mapping");
            }

            obj[key!] = value;
            open.Push((container, null));
        }
    }

    private static ApiException Refused(string what) => new(422, "Invalid", $"error decoding YAML: {what}; write the values out in full");

    private static JsonNode? Scalar(Scalar scalar)
    {
        var value = scalar.Value ?? "";
        if ((!scalar.Tag.IsEmpty && scalar.Tag.Value == "tag:yaml.org,2002:str") || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && value.Any(char.IsDigit) && double.IsFinite(d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }
}
