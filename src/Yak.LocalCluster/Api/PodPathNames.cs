using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>
/// The names in a pod spec that become parts of file paths on this machine (container, volume and claim names, and
/// volume mount subPaths) are checked as the apiserver checks them, before anything is stored: RFC 1123 labels and
/// subdomains, and subPaths that are relative with no <c>..</c> element. A name like <c>../../etc</c> never reaches
/// a path. Applies to pods and to the pod templates of workloads.
/// </summary>
internal static partial class PodPathNames
{
    public static void Check(ResourceType type, JsonObject obj)
    {
        var name = Meta.Name(obj);
        if (type == ResourceCatalog.Pods)
        {
            CheckPodSpec(type, name, obj["spec"] as JsonObject, "spec");
            return;
        }

        if (obj["spec"]?["template"]?["spec"] is JsonObject template)
        {
            CheckPodSpec(type, name, template, "spec.template.spec");
        }

        if (obj["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"] is JsonObject jobTemplate)
        {
            CheckPodSpec(type, name, jobTemplate, "spec.jobTemplate.spec.template.spec");
        }

        foreach (var (claim, i) in Items(obj["spec"]?["volumeClaimTemplates"]))
        {
            Label(type, name, $"spec.volumeClaimTemplates[{i}].metadata.name", Meta.Str(claim["metadata"], "name"));
        }
    }

    private static void CheckPodSpec(ResourceType type, string name, JsonObject? spec, string at)
    {
        if (spec is null)
        {
            return;
        }

        foreach (var list in new[] { "containers", "initContainers", "ephemeralContainers" })
        {
            foreach (var (container, i) in Items(spec[list]))
            {
                Label(type, name, $"{at}.{list}[{i}].name", Meta.Str(container, "name"));
                foreach (var (mount, j) in Items(container["volumeMounts"]))
                {
                    Label(type, name, $"{at}.{list}[{i}].volumeMounts[{j}].name", Meta.Str(mount, "name"));
                    SubPath(type, name, $"{at}.{list}[{i}].volumeMounts[{j}].subPath", Meta.Str(mount, "subPath"));
                }
            }
        }

        foreach (var (volume, i) in Items(spec["volumes"]))
        {
            Label(type, name, $"{at}.volumes[{i}].name", Meta.Str(volume, "name"));
            if (volume["persistentVolumeClaim"] is JsonObject claim)
            {
                var claimName = Meta.Str(claim, "claimName");
                if (claimName is null || claimName.Length > 253 || !DnsSubdomain().IsMatch(claimName))
                {
                    throw Invalid(type, name, $"{at}.volumes[{i}].persistentVolumeClaim.claimName", claimName, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
                }
            }
        }
    }

    private static void Label(ResourceType type, string name, string field, string? value)
    {
        if (value is null || value.Length > 63 || !DnsLabel().IsMatch(value))
        {
            throw Invalid(type, name, field, value, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc')");
        }
    }

    private static void SubPath(ResourceType type, string name, string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (value.StartsWith('/') || value.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid(type, name, field, value, "must be a relative path");
        }

        if (value.Split('/').Contains(".."))
        {
            throw Invalid(type, name, field, value, "must not contain '..'");
        }
    }

    private static ApiException Invalid(ResourceType type, string name, string field, string? value, string why) =>
        value is null
            ? ApiException.Invalid(type, name, $"{field}: Required value")
            : ApiException.Invalid(type, name, $"{field}: Invalid value: \"{value}\": {why}");

    private static IEnumerable<(JsonObject Item, int Index)> Items(JsonNode? list) =>
        (list as JsonArray ?? []).Select((item, i) => (item as JsonObject ?? [], i));

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
