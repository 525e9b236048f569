using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Networking;

/// <summary>
/// A Service's ClusterIP once allocated (ClusterApi, on create) is immutable, and an update that leaves it out keeps
/// the current value, as the API server does.
/// </summary>
internal static class ClusterIpRules
{
    /// <summary>On update: an omitted clusterIP keeps the current one; a different one is refused (immutable).</summary>
    public static void OnUpdate(JsonObject current, JsonObject updated)
    {
        var before = Meta.Str(current["spec"], "clusterIP");
        if (string.IsNullOrEmpty(before) || updated["spec"] is not JsonObject spec)
        {
            return;
        }

        var after = Meta.Str(spec, "clusterIP");
        if (string.IsNullOrEmpty(after))
        {
            spec["clusterIP"] = before;
            spec["clusterIPs"] = current["spec"]?["clusterIPs"]?.DeepClone() ?? new JsonArray(before);
        }
        else if (after != before)
        {
            throw ApiException.Invalid(ResourceCatalog.Services, Meta.Name(current),
                [new FieldError("spec.clusterIPs[0]", "FieldValueInvalid", $"Invalid value: []string{{\"{after}\"}}: may not change once set")]);
        }
    }

}
