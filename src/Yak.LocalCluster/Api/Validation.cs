using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>The validation this server does: kind/apiVersion match the URL, DNS names, selectors matching templates.</summary>
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
            throw ApiException.Invalid(type, name, $"metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 {(label ? "label" : "subdomain")} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        }
    }

    public static void Validate(ResourceType type, JsonObject obj)
    {
        var name = Meta.Name(obj);
        if (type == ResourceCatalog.Deployments || type == ResourceCatalog.StatefulSets || type == ResourceCatalog.ReplicaSets)
        {
            var selector = obj["spec"]?["selector"];
            if (selector is null)
            {
                throw ApiException.Invalid(type, name, "spec.selector: Required value");
            }

            var labels = Meta.StringMap(obj["spec"]?["template"]?["metadata"]?["labels"]);
            if (!Selectors.Matches(selector, labels))
            {
                throw ApiException.Invalid(type, name, "spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`");
            }
        }

        if (type == ResourceCatalog.Pods && (obj["spec"]?["containers"] as JsonArray ?? []).Count == 0)
        {
            throw ApiException.Invalid(type, name, "spec.containers: Required value");
        }

        PodPathNames.Check(type, obj);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
