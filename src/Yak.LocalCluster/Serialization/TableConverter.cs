using System.Globalization;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Serialization;

/// <summary>
/// Server-side printing: answers <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c> (what <c>kubectl get</c>
/// asks for) with a meta.k8s.io/v1 Table whose columns follow kubectl's usual ones for each kind.
/// </summary>
public static class TableConverter
{
    public const string ContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    public static bool Wanted(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal) && accept.Contains("g=meta.k8s.io", StringComparison.Ordinal);

    public static JsonObject Table(ResourceType type, IEnumerable<JsonObject> items, string resourceVersion, TableObjects includeObject = TableObjects.Metadata)
    {
        var columns = new JsonArray();
        foreach (var (name, kind, priority) in Columns(type))
        {
            columns.Add(new JsonObject
            {
                ["name"] = name,
                ["type"] = kind,
                ["format"] = name == "Name" ? "name" : "",
                ["description"] = "",
                ["priority"] = priority,
            });
        }

        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(Cells(type, item).ToArray()) };
            if (includeObject == TableObjects.Object)
            {
                row["object"] = item.DeepClone();
            }
            else if (includeObject == TableObjects.Metadata)
            {
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = item["metadata"]?.DeepClone(),
                };
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static IEnumerable<(string Name, string Type, int Priority)> Columns(ResourceType type)
    {
        yield return ("Name", "string", 0);
        switch (type.Kind)
        {
            case "Pod":
                yield return ("Ready", "string", 0);
                yield return ("Status", "string", 0);
                yield return ("Restarts", "string", 0);
                yield return ("Age", "string", 0);
                yield return ("IP", "string", 1);
                yield return ("Node", "string", 1);
                break;
            case "Deployment":
                yield return ("Ready", "string", 0);
                yield return ("Up-to-date", "integer", 0);
                yield return ("Available", "integer", 0);
                yield return ("Age", "string", 0);
                break;
            case "ReplicaSet":
                yield return ("Desired", "integer", 0);
                yield return ("Current", "integer", 0);
                yield return ("Ready", "integer", 0);
                yield return ("Age", "string", 0);
                break;
            case "StatefulSet":
                yield return ("Ready", "string", 0);
                yield return ("Age", "string", 0);
                break;
            case "Job":
                yield return ("Status", "string", 0);
                yield return ("Completions", "string", 0);
                yield return ("Duration", "string", 0);
                yield return ("Age", "string", 0);
                break;
            case "CronJob":
                yield return ("Schedule", "string", 0);
                yield return ("Timezone", "string", 0);
                yield return ("Suspend", "boolean", 0);
                yield return ("Active", "integer", 0);
                yield return ("Last Schedule", "string", 0);
                yield return ("Age", "string", 0);
                break;
            case "Service":
                yield return ("Type", "string", 0);
                yield return ("Cluster-IP", "string", 0);
                yield return ("External-IP", "string", 0);
                yield return ("Port(s)", "string", 0);
                yield return ("Age", "string", 0);
                break;
            case "Namespace":
                yield return ("Status", "string", 0);
                yield return ("Age", "string", 0);
                break;
            case "Node":
                yield return ("Status", "string", 0);
                yield return ("Roles", "string", 0);
                yield return ("Age", "string", 0);
                yield return ("Version", "string", 0);
                yield return ("Internal-IP", "string", 1);
                yield return ("External-IP", "string", 1);
                yield return ("OS-Image", "string", 1);
                yield return ("Kernel-Version", "string", 1);
                yield return ("Container-Runtime", "string", 1);
                break;
            case "Endpoints":
                yield return ("Endpoints", "string", 0);
                yield return ("Age", "string", 0);
                break;
            case "PersistentVolumeClaim":
                yield return ("Status", "string", 0);
                yield return ("Capacity", "string", 0);
                yield return ("Access Modes", "string", 0);
                yield return ("StorageClass", "string", 0);
                yield return ("Age", "string", 0);
                break;
            case "ConfigMap":
                yield return ("Data", "integer", 0);
                yield return ("Age", "string", 0);
                break;
            case "Secret":
                yield return ("Type", "string", 0);
                yield return ("Data", "integer", 0);
                yield return ("Age", "string", 0);
                break;
            case "Event":
                yield return ("Last Seen", "string", 0);
                yield return ("Type", "string", 0);
                yield return ("Reason", "string", 0);
                yield return ("Object", "string", 0);
                yield return ("Message", "string", 0);
                break;
            default:
                yield return ("Age", "string", 0);
                break;
        }
    }

    private static IEnumerable<JsonNode?> Cells(ResourceType type, JsonObject o)
    {
        var spec = o["spec"];
        var status = o["status"];
        yield return Meta.Name(o);
        switch (type.Kind)
        {
            case "Pod":
                var containers = (spec?["containers"] as JsonArray)?.Count ?? 0;
                var statuses = (status?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                yield return $"{statuses.Count(s => s["ready"]?.GetValue<bool>() == true)}/{containers}";
                yield return PodStatus(o, statuses);
                yield return statuses.Sum(s => Meta.Long(s["restartCount"]) ?? 0).ToString(CultureInfo.InvariantCulture);
                yield return Age(o);
                yield return Meta.Str(status, "podIP") ?? "<none>";
                yield return Meta.Str(spec, "nodeName") ?? "<none>";
                break;
            case "Deployment":
                yield return $"{Meta.Long(status?["readyReplicas"]) ?? 0}/{Meta.Long(spec?["replicas"]) ?? 0}";
                yield return Meta.Long(status?["updatedReplicas"]) ?? 0;
                yield return Meta.Long(status?["availableReplicas"]) ?? 0;
                yield return Age(o);
                break;
            case "ReplicaSet":
                yield return Meta.Long(spec?["replicas"]) ?? 0;
                yield return Meta.Long(status?["replicas"]) ?? 0;
                yield return Meta.Long(status?["readyReplicas"]) ?? 0;
                yield return Age(o);
                break;
            case "StatefulSet":
                yield return $"{Meta.Long(status?["readyReplicas"]) ?? 0}/{Meta.Long(spec?["replicas"]) ?? 0}";
                yield return Age(o);
                break;
            case "Job":
                yield return JobStatus(status);
                yield return $"{Meta.Long(status?["succeeded"]) ?? 0}/{Meta.Long(spec?["completions"])?.ToString(CultureInfo.InvariantCulture) ?? "1"}";
                yield return JobDuration(status);
                yield return Age(o);
                break;
            case "CronJob":
                yield return Meta.Str(spec, "schedule") ?? "";
                yield return Meta.Str(spec, "timeZone") ?? "<none>";
                yield return spec?["suspend"] is JsonValue suspend && suspend.TryGetValue<bool>(out var suspended) && suspended;
                yield return (status?["active"] as JsonArray)?.Count ?? 0;
                yield return Meta.Str(status, "lastScheduleTime") is { } last ? AgeSince(last) : "<none>";
                yield return Age(o);
                break;
            case "Service":
                yield return Meta.Str(spec, "type") ?? "ClusterIP";
                yield return Meta.Str(spec, "clusterIP") ?? "<none>";
                yield return "<none>";
                var ports = (spec?["ports"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(p => $"{Meta.Long(p["port"])}/{Meta.Str(p, "protocol") ?? "TCP"}").ToList();
                yield return ports.Count == 0 ? "<none>" : string.Join(',', ports);
                yield return Age(o);
                break;
            case "Namespace":
                yield return Meta.Str(status, "phase") ?? "Active";
                yield return Age(o);
                break;
            case "Node":
                var readyCondition = (status?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == "Ready");
                var nodeStatus = Meta.Str(readyCondition, "status") == "True" ? "Ready" : "NotReady";
                var cordoned = spec?["unschedulable"] is JsonValue u && u.TryGetValue<bool>(out var isCordoned) && isCordoned;
                yield return cordoned ? nodeStatus + ",SchedulingDisabled" : nodeStatus;
                var roles = Meta.StringMap(o["metadata"]?["labels"]).Keys
                    .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
                    .Select(k => k["node-role.kubernetes.io/".Length..]).ToList();
                yield return roles.Count == 0 ? "<none>" : string.Join(',', roles);
                yield return Age(o);
                yield return Meta.Str(status?["nodeInfo"], "kubeletVersion") ?? "";
                var nodeAddresses = (status?["addresses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                yield return nodeAddresses.Where(a => Meta.Str(a, "type") == "InternalIP").Select(a => Meta.Str(a, "address")).FirstOrDefault() ?? "<none>";
                yield return nodeAddresses.Where(a => Meta.Str(a, "type") == "ExternalIP").Select(a => Meta.Str(a, "address")).FirstOrDefault() ?? "<none>";
                yield return Meta.Str(status?["nodeInfo"], "osImage") ?? "<unknown>";
                yield return Meta.Str(status?["nodeInfo"], "kernelVersion") ?? "<unknown>";
                yield return Meta.Str(status?["nodeInfo"], "containerRuntimeVersion") ?? "<unknown>";
                break;
            case "Endpoints":
                var addresses = (o["subsets"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(s =>
                    (s["addresses"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(a =>
                        (s["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => $"{Meta.Str(a, "ip")}:{Meta.Long(p["port"])}"))).ToList();
                yield return addresses.Count == 0 ? "<none>" : string.Join(',', addresses.Take(3)) + (addresses.Count > 3 ? $" + {addresses.Count - 3} more..." : "");
                yield return Age(o);
                break;
            case "PersistentVolumeClaim":
                yield return Meta.Str(status, "phase") ?? "Pending";
                yield return Meta.Str(status?["capacity"], "storage") ?? "";
                yield return string.Join(',', (spec?["accessModes"] as JsonArray ?? []).Select(m => m?.GetValue<string>() switch
                {
                    "ReadWriteOnce" => "RWO",
                    "ReadOnlyMany" => "ROX",
                    "ReadWriteMany" => "RWX",
                    "ReadWriteOncePod" => "RWOP",
                    var other => other,
                }));
                yield return Meta.Str(spec, "storageClassName") ?? "<unset>";
                yield return Age(o);
                break;
            case "ConfigMap":
                yield return ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0);
                yield return Age(o);
                break;
            case "Secret":
                yield return Meta.Str(o, "type") ?? "Opaque";
                yield return (o["data"] as JsonObject)?.Count ?? 0;
                yield return Age(o);
                break;
            case "Event":
                yield return AgeSince(Meta.Str(o, "lastTimestamp")) + ((Meta.Long(o["count"]) ?? 1) > 1 ? $" (x{Meta.Long(o["count"])})" : "");
                yield return Meta.Str(o, "type") ?? "Normal";
                yield return Meta.Str(o, "reason") ?? "";
                yield return $"{Meta.Str(o["involvedObject"], "kind")?.ToLowerInvariant()}/{Meta.Str(o["involvedObject"], "name")}";
                yield return Meta.Str(o, "message") ?? "";
                break;
            default:
                yield return Age(o);
                break;
        }
    }

    private static string PodStatus(JsonObject pod, List<JsonObject> statuses)
    {
        if (Meta.IsDeleting(pod))
        {
            return "Terminating";
        }

        foreach (var s in statuses)
        {
            if (Meta.Str(s["state"]?["waiting"], "reason") is { Length: > 0 } waiting)
            {
                return waiting;
            }

            if (Meta.Str(s["state"]?["terminated"], "reason") is { Length: > 0 } terminated)
            {
                return terminated;
            }
        }

        return Meta.Str(pod["status"], "reason") ?? Meta.Str(pod["status"], "phase") ?? "Pending";
    }

    private static string JobStatus(JsonNode? status)
    {
        var conditions = (status?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Where(c => Meta.Str(c, "status") == "True").Select(c => Meta.Str(c, "type")).ToList();
        return conditions.Contains("Complete") ? "Complete"
            : conditions.Contains("Failed") ? "Failed"
            : conditions.Contains("FailureTarget") ? "FailureTarget"
            : conditions.Contains("Suspended") ? "Suspended"
            : "Running";
    }

    private static string JobDuration(JsonNode? status)
    {
        if (!DateTimeOffset.TryParse(Meta.Str(status, "startTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
        {
            return "";
        }

        var end = DateTimeOffset.TryParse(Meta.Str(status, "completionTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var done) ? done : DateTimeOffset.UtcNow;
        return ShortDuration(Math.Max(0, (long)(end - start).TotalSeconds));
    }

    /// <summary>Age in kubectl's short form (e.g. 45s, 3m12s, 5h, 2d).</summary>
    public static string Age(JsonObject obj) => AgeSince(Meta.Str(obj["metadata"], "creationTimestamp"));

    private static string AgeSince(string? timestamp)
    {
        if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
        {
            return "<unknown>";
        }

        var age = DateTimeOffset.UtcNow - created;
        return ShortDuration(Math.Max(0, (long)age.TotalSeconds));
    }

    private static string ShortDuration(long seconds)
    {
        return seconds switch
        {
            < 120 => $"{seconds}s",
            < 600 => $"{seconds / 60}m{(seconds % 60 == 0 ? "" : $"{seconds % 60}s")}",
            < 3 * 3600 => $"{seconds / 60}m",
            < 8 * 3600 => $"{seconds / 3600}h{(seconds / 60 % 60 == 0 ? "" : $"{seconds / 60 % 60}m")}",
            < 48 * 3600 => $"{seconds / 3600}h",
            < 8 * 86400 => $"{seconds / 86400}d{(seconds / 3600 % 24 == 0 ? "" : $"{seconds / 3600 % 24}h")}",
            _ => $"{seconds / 86400}d",
        };
    }
}

/// <summary>What each Table row carries as <c>object</c> (the request's <c>includeObject</c>).</summary>
public enum TableObjects
{
    None,
    Metadata,
    Object,
}
