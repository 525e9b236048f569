using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Apply;

/// <summary>
/// Which lists are merged element by element (and by which key) in strategic merge patch and server-side apply.
/// A subset of the Kubernetes schema's <c>x-kubernetes-patch-merge-key</c>/<c>listMapKeys</c>, for the resources served here.
/// </summary>
public static class MergeKeys
{
    private static readonly Dictionary<string, string> ByField = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["containerStatuses"] = "name",
        ["initContainerStatuses"] = "name",
        ["hostAliases"] = "ip",
        ["ownerReferences"] = "uid",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
        ["podIPs"] = "ip",
        ["hostIPs"] = "ip",
    };

    /// <summary>Primitive lists merged as sets by strategic merge patch.</summary>
    private static readonly HashSet<string> PrimitiveSets = new(StringComparer.Ordinal) { "finalizers" };

    /// <summary>The merge key for a list field, or null when the list is atomic (replaced as a whole).</summary>
    public static string? For(string field, JsonArray? a, JsonArray? b = null)
    {
        if (ByField.TryGetValue(field, out var key))
        {
            return key;
        }

        if (field == "ports")
        {
            // Container ports merge on containerPort, service ports on port.
            var sample = (a ?? []).Concat(b ?? []).OfType<JsonObject>().FirstOrDefault();
            return sample is not null && sample.ContainsKey("containerPort") ? "containerPort" : "port";
        }

        return null;
    }

    public static bool IsPrimitiveSet(string field) => PrimitiveSets.Contains(field);

    /// <summary>The element's merge-key value as a comparable string (null when the element lacks it).</summary>
    public static string? KeyOf(JsonNode? element, string key) =>
        element is JsonObject o && o[key] is { } v ? v.ToJsonString() : null;
}
