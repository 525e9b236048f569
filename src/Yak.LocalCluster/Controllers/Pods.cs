using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>Helpers the workload controllers share: pod readiness, ownership, template hashes.</summary>
internal static class Pods
{
    public static bool IsActive(JsonObject pod) =>
        !Meta.IsDeleting(pod) && Meta.Str(pod["status"], "phase") is not ("Succeeded" or "Failed");

    public static bool IsReady(JsonObject pod) =>
        IsActive(pod) && (pod["status"]?["conditions"] as JsonArray ?? [])
            .Any(c => Meta.Str(c, "type") == "Ready" && Meta.Str(c, "status") == "True");

    public static bool IsOwnedBy(JsonObject obj, string ownerUid) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(r => Meta.Str(r, "uid") == ownerUid);

    public static JsonArray OwnerReference(ResourceType ownerType, JsonObject owner) => new(new JsonObject
    {
        ["apiVersion"] = ownerType.GroupVersion,
        ["kind"] = ownerType.Kind,
        ["name"] = Meta.Name(owner),
        ["uid"] = Meta.Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    });

    /// <summary>
    /// A new pod from <paramref name="owner"/>'s <c>spec.template</c>, named by the server after the owner
    /// (generateName) and owned by it, as the ReplicaSet and Job controllers create them.
    /// </summary>
    public static JsonObject FromTemplate(ResourceType ownerType, JsonObject owner)
    {
        var template = owner["spec"]?["template"] as JsonObject ?? new JsonObject();
        var metadata = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        metadata.Remove("name");
        metadata.Remove("creationTimestamp");
        metadata["generateName"] = Meta.Name(owner) + "-";
        metadata["ownerReferences"] = OwnerReference(ownerType, owner);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone(),
        };
    }

    /// <summary>A short, label-safe hash of a pod template (like pod-template-hash / controller-revision-hash).</summary>
    public static string TemplateHash(JsonNode? template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var bytes = Encoding.UTF8.GetBytes(template?.ToJsonString() ?? "");
        uint hash = 2166136261;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var builder = new StringBuilder();
        foreach (var c in digits)
        {
            builder.Append(alphabet[(c - '0' + builder.Length) % alphabet.Length]);
        }

        return builder.ToString();
    }

    public static int Replicas(JsonObject workload) => (int)(Meta.Long(workload["spec"]?["replicas"]) ?? 1);

    /// <summary>Resolves an int-or-percent against a total (rounding up or down), as maxSurge/maxUnavailable do.</summary>
    public static int IntOrPercent(JsonNode? value, int total, bool roundUp, int fallback)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var s))
        {
            if (s.EndsWith('%') && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent))
            {
                var exact = total * percent / 100.0;
                return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
            }

            return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : fallback;
        }

        return (int?)Meta.Long(value) ?? fallback;
    }

    /// <summary>Sets a condition, keeping lastTransitionTime when the status does not change.</summary>
    public static void SetCondition(JsonObject status, string type, string value, string reason, string message, bool withUpdateTime)
    {
        var conditions = status["conditions"] as JsonArray ?? new JsonArray();
        status["conditions"] = conditions;
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type);
        var now = Meta.Now();
        if (existing is null)
        {
            existing = new JsonObject { ["type"] = type };
            conditions.Add(existing);
        }
        else if (Meta.Str(existing, "status") == value && Meta.Str(existing, "reason") == reason && Meta.Str(existing, "message") == message)
        {
            return;
        }

        if (Meta.Str(existing, "status") != value || existing["lastTransitionTime"] is null)
        {
            existing["lastTransitionTime"] = now;
        }

        existing["status"] = value;
        if (withUpdateTime)
        {
            existing["lastUpdateTime"] = now;
        }

        existing["reason"] = reason;
        existing["message"] = message;
    }
}
