using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yak.Environments.Diagnostics;
using Yak.Environments.Yaml;

namespace Yak.Environments.Tests;

/// <summary>
/// Just enough of JSON Schema 2020-12 to check yak.yaml documents against yak.schema.json: $ref, type, properties,
/// required, additionalProperties, patternProperties, propertyNames, minProperties, items, oneOf, enum, pattern,
/// minLength, maxLength, minimum, maximum. No package on the registry these machines reach does it.
/// </summary>
internal sealed class MiniSchemaValidator(JsonElement root)
{
    public static JsonNode? YamlToJson(string yaml)
    {
        var bag = new DiagnosticBag("test.yaml");
        var node = YamlDocumentReader.Read(yaml, bag);
        Assert.False(bag.HasErrors, string.Join("\n", bag.Errors));
        return Convert(node);
    }

    private static JsonNode? Convert(YNode? node) => node switch
    {
        null => null,
        YScalar { IsNull: true } => null,
        YScalar { AsBool: { } b } => JsonValue.Create(b),
        YScalar { Plain: true } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create((double)l),
        YScalar { Plain: true } s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
        YScalar s => JsonValue.Create(s.Value),
        YSequence seq => new JsonArray([.. seq.Items.Select(Convert)]),
        YMapping map => new JsonObject(map.Entries.Select(e => KeyValuePair.Create(e.Key.Value, Convert(e.Value)))),
        _ => throw new InvalidOperationException(),
    };

    public List<string> Validate(JsonNode? instance)
    {
        var errors = new List<string>();
        Check(root, instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonNode? value, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: not allowed");
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(root.GetProperty("$defs").GetProperty(reference.GetString()!["#/$defs/".Length..]), value, path, errors);
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!types.Any(t => IsType(value, t)))
            {
                errors.Add($"{path}: expected {string.Join("|", types)}");
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => a.ToString() == value?.ToString()))
        {
            errors.Add($"{path}: not one of {allowed}");
        }

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matching = oneOf.EnumerateArray().Count(option => Sub(option, value, path).Count == 0);
            if (matching != 1)
            {
                errors.Add($"{path}: matches {matching} of oneOf");
            }
        }

        if (value is JsonValue scalar)
        {
            CheckScalar(schema, scalar, path, errors);
        }
        else if (value is JsonArray array && schema.TryGetProperty("items", out var items))
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(items, array[i], $"{path}[{i}]", errors);
            }
        }
        else if (value is JsonObject obj)
        {
            CheckObject(schema, obj, path, errors);
        }
    }

    private List<string> Sub(JsonElement schema, JsonNode? value, string path)
    {
        var errors = new List<string>();
        Check(schema, value, path, errors);
        return errors;
    }

    private static void CheckScalar(JsonElement schema, JsonValue scalar, string path, List<string> errors)
    {
        if (scalar.TryGetValue<string>(out var text))
        {
            if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!))
            {
                errors.Add($"{path}: \"{text}\" does not match {pattern}");
            }

            if (schema.TryGetProperty("minLength", out var min) && text.Length < min.GetInt32())
            {
                errors.Add($"{path}: shorter than {min}");
            }

            if (schema.TryGetProperty("maxLength", out var max) && text.Length > max.GetInt32())
            {
                errors.Add($"{path}: longer than {max}");
            }
        }
        else if (scalar.GetValueKind() == JsonValueKind.Number)
        {
            var number = scalar.GetValue<double>();
            if (schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
            {
                errors.Add($"{path}: below {min}");
            }

            if (schema.TryGetProperty("maximum", out var max) && number > max.GetDouble())
            {
                errors.Add($"{path}: above {max}");
            }
        }
    }

    private void CheckObject(JsonElement schema, JsonObject obj, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            errors.AddRange(required.EnumerateArray().Select(r => r.GetString()!).Where(r => !obj.ContainsKey(r)).Select(r => $"{path}: missing {r}"));
        }

        if (schema.TryGetProperty("minProperties", out var minProperties) && obj.Count < minProperties.GetInt32())
        {
            errors.Add($"{path}: fewer than {minProperties} properties");
        }

        foreach (var (key, child) in obj)
        {
            var childPath = $"{path}.{key}";
            if (schema.TryGetProperty("propertyNames", out var names))
            {
                Check(names, JsonValue.Create(key), childPath, errors);
            }

            var matched = false;
            if (schema.TryGetProperty("properties", out var properties) && properties.TryGetProperty(key, out var propertySchema))
            {
                matched = true;
                Check(propertySchema, child, childPath, errors);
            }

            if (schema.TryGetProperty("patternProperties", out var patterns))
            {
                foreach (var pattern in patterns.EnumerateObject().Where(p => Regex.IsMatch(key, p.Name)))
                {
                    matched = true;
                    Check(pattern.Value, child, childPath, errors);
                }
            }

            if (!matched && schema.TryGetProperty("additionalProperties", out var additional))
            {
                Check(additional, child, childPath, errors);
            }
        }
    }

    private static bool IsType(JsonNode? value, string type) => type switch
    {
        "null" => value is null,
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "integer" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() % 1 == 0,
        _ => throw new InvalidOperationException($"unsupported type {type}"),
    };
}
