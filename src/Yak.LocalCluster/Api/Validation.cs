using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>
/// The validation this server does, answered as the API server does: a 422 <c>Status</c> whose message lists every
/// problem and whose <c>details.causes</c> name each field (kind/apiVersion matching the URL, DNS names, replicas,
/// containers and their images, ports, selectors matching templates, config keys, volume item paths).
/// </summary>
internal static partial class Validation
{
    public static void CheckKind(ResourceType type, JsonObject obj)
    {
        var kind = Meta.Str(obj, "kind");
        var apiVersion = Meta.Str(obj, "apiVersion");
        if ((!string.IsNullOrEmpty(kind) && kind != type.Kind) || (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.GroupVersion))
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.GroupVersion})");
        }
    }

    public static void ValidateName(ResourceType type, string name)
    {
        var label = type == ResourceCatalog.Namespaces || type == ResourceCatalog.Services;
        var ok = label ? name.Length <= 63 && DnsLabel().IsMatch(name) : name.Length <= 253 && DnsSubdomain().IsMatch(name);
        if (!ok)
        {
            throw ApiException.Invalid(type, name, [FieldError.Invalid("metadata.name", name,
                $"a lowercase RFC 1123 {(label ? "label" : "subdomain")} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")]);
        }
    }

    public static void Validate(ResourceType type, JsonObject obj)
    {
        var errors = new List<FieldError>();
        if (type == ResourceCatalog.Deployments || type == ResourceCatalog.StatefulSets || type == ResourceCatalog.ReplicaSets)
        {
            Workload(obj, errors);
        }
        else if (type == ResourceCatalog.Jobs)
        {
            Job(obj["spec"] as JsonObject, "spec", errors);
        }
        else if (type == ResourceCatalog.CronJobs)
        {
            CronJob(obj["spec"] as JsonObject, errors);
        }
        else if (type == ResourceCatalog.Pods)
        {
            PodSpec(obj["spec"] as JsonObject, "spec", errors);
        }
        else if (type == ResourceCatalog.Services)
        {
            Ports(obj["spec"]?["ports"] as JsonArray, "spec.ports", "port", errors);
        }
        else if (type == ResourceCatalog.ConfigMaps || type == ResourceCatalog.Secrets)
        {
            foreach (var field in new[] { "data", "binaryData", "stringData" })
            {
                foreach (var (key, _) in obj[field] as JsonObject ?? [])
                {
                    if (key.Length > 253 || !ConfigKey().IsMatch(key))
                    {
                        errors.Add(FieldError.Invalid($"{field}[{key}]", key,
                            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type, Meta.Name(obj), errors);
        }

        PodPathNames.Check(type, obj);
    }

    private static void Workload(JsonObject obj, List<FieldError> errors)
    {
        var spec = obj["spec"] as JsonObject;
        if (Meta.Long(spec?["replicas"]) is < 0 and var replicas)
        {
            errors.Add(FieldError.Invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
        }

        var selector = spec?["selector"];
        if (selector is null)
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else if (!Selectors.Matches(selector, Meta.StringMap(spec?["template"]?["metadata"]?["labels"])))
        {
            errors.Add(new FieldError("spec.template.metadata.labels", "FieldValueInvalid", "Invalid value: `selector` does not match template `labels`"));
        }

        PodSpec(spec?["template"]?["spec"] as JsonObject, "spec.template.spec", errors);
    }

    private static void PodSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        var containers = spec?["containers"] as JsonArray ?? [];
        if (containers.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.containers"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (list, field) in new[] { (spec?["initContainers"] as JsonArray ?? [], "initContainers"), (containers, "containers") })
        {
            for (var i = 0; i < list.Count; i++)
            {
                var at = $"{path}.{field}[{i.ToString(CultureInfo.InvariantCulture)}]";
                var container = list[i] as JsonObject ?? new JsonObject();
                var name = Meta.Str(container, "name");
                if (string.IsNullOrEmpty(name))
                {
                    errors.Add(FieldError.Required($"{at}.name"));
                }
                else if (name.Length > 63 || !DnsLabel().IsMatch(name))
                {
                    errors.Add(FieldError.Invalid($"{at}.name", name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
                }
                else if (!names.Add(name))
                {
                    errors.Add(new FieldError($"{at}.name", "FieldValueDuplicate", $"Duplicate value: \"{name}\""));
                }

                if (string.IsNullOrWhiteSpace(Meta.Str(container, "image")))
                {
                    errors.Add(FieldError.Required($"{at}.image"));
                }

                Ports(container["ports"] as JsonArray, $"{at}.ports", "containerPort", errors);
            }
        }

        var restartPolicy = Meta.Str(spec, "restartPolicy");
        if (restartPolicy is not (null or "Always" or "OnFailure" or "Never"))
        {
            errors.Add(new FieldError($"{path}.restartPolicy", "FieldValueNotSupported", $"Unsupported value: \"{restartPolicy}\": supported values: \"Always\", \"OnFailure\", \"Never\""));
        }

        var volumes = spec?["volumes"] as JsonArray ?? [];
        for (var v = 0; v < volumes.Count; v++)
        {
            foreach (var source in new[] { "configMap", "secret" })
            {
                var items = volumes[v]?[source]?["items"] as JsonArray ?? [];
                for (var i = 0; i < items.Count; i++)
                {
                    var itemPath = Meta.Str(items[i], "path") ?? "";
                    var at = $"{path}.volumes[{v.ToString(CultureInfo.InvariantCulture)}].{source}.items[{i.ToString(CultureInfo.InvariantCulture)}].path";
                    if (itemPath.Length == 0)
                    {
                        errors.Add(FieldError.Required(at));
                    }
                    else if (itemPath.StartsWith('/'))
                    {
                        errors.Add(FieldError.Invalid(at, itemPath, "must be a relative path"));
                    }
                    else if (itemPath.Split('/').Contains(".."))
                    {
                        errors.Add(FieldError.Invalid(at, itemPath, "must not contain '..'"));
                    }
                }
            }
        }
    }

    private static void Ports(JsonArray? ports, string path, string field, List<FieldError> errors)
    {
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            if (Meta.Long(ports![i]?[field]) is { } port && port is < 1 or > 65535)
            {
                errors.Add(FieldError.Invalid($"{path}[{i.ToString(CultureInfo.InvariantCulture)}].{field}", port, "must be between 1 and 65535, inclusive"));
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();
}

/// <summary>One invalid field, as apimachinery's field.Error: <c>field</c>, a cause type and the detail.</summary>
internal sealed record FieldError(string Field, string Type, string Detail)
{
    public static FieldError Required(string field) => new(field, "FieldValueRequired", "Required value");

    public static FieldError Invalid(string field, object value, string why) =>
        new(field, "FieldValueInvalid", $"Invalid value: {(value is string s ? $"\"{s}\"" : Convert.ToString(value, CultureInfo.InvariantCulture))}: {why}");

    public override string ToString() => $"{Field}: {Detail}";
}
