using System.Globalization;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Scheduling;

/// <summary>
/// Picks a node for a pod as kube-scheduler's filters do for nodeSelector, required node affinity, taints and
/// tolerations, cordoned nodes, and the node affinity of the pod's bound volumes; among the nodes that fit, the one running the fewest pods (then by name).
/// When none fits, the message is the scheduler's ("0/3 nodes are available: 1 node(s) had untolerated taint …").
/// </summary>
internal static class Scheduler
{
    /// <param name="volumeTerms">The nodeSelectorTerms of the PVs the pod's claims are bound to (see <see cref="VolumeBinding"/>).</param>
    public static (string? Node, string Message) Pick(JsonObject pod, IReadOnlyList<JsonObject> nodes, IReadOnlyList<JsonObject> pods, IReadOnlyList<JsonArray>? volumeTerms = null)
    {
        var spec = pod["spec"] as JsonObject ?? new JsonObject();
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var fitting = new List<JsonObject>();
        foreach (var node in nodes)
        {
            var why = Misfit(spec, node) ?? VolumeMisfit(volumeTerms ?? [], node);
            if (why is null)
            {
                fitting.Add(node);
            }
            else
            {
                reasons[why] = reasons.GetValueOrDefault(why) + 1;
            }
        }

        if (fitting.Count > 0)
        {
            var load = pods.Where(p => Meta.Str(p["status"], "phase") is not ("Succeeded" or "Failed"))
                .GroupBy(p => Meta.Str(p["spec"], "nodeName") ?? "")
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var chosen = fitting.OrderBy(n => load.GetValueOrDefault(Meta.Name(n))).ThenBy(n => Meta.Name(n), StringComparer.Ordinal).First();
            return (Meta.Name(chosen), "");
        }

        var total = nodes.Count.ToString(CultureInfo.InvariantCulture);
        if (nodes.Count == 0)
        {
            return (null, "no nodes available to schedule pods");
        }

        // As kube-scheduler: "COUNT REASON" strings, sorted as strings.
        var details = string.Join(", ", reasons.Select(r => $"{r.Value} {r.Key}").Order(StringComparer.Ordinal));
        return (null, $"0/{total} nodes are available: {details}. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling.");
    }

    /// <summary>Why the pod cannot go on the node, in the scheduler's words; null when it fits.</summary>
    private static string? Misfit(JsonObject spec, JsonObject node)
    {
        if (node["spec"]?["unschedulable"] is JsonValue cordoned && cordoned.TryGetValue<bool>(out var isCordoned) && isCordoned &&
            !Tolerates(spec, new JsonObject { ["key"] = "node.kubernetes.io/unschedulable", ["effect"] = "NoSchedule" }))
        {
            return "node(s) were unschedulable";
        }

        var labels = Meta.StringMap(node["metadata"]?["labels"]);
        var selector = Meta.StringMap(spec["nodeSelector"]);
        var terms = spec["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] as JsonArray;
        if (selector.Any(kv => !labels.TryGetValue(kv.Key, out var v) || v != kv.Value) ||
            (terms is { Count: > 0 } && !terms.OfType<JsonObject>().Any(t => TermMatches(t, labels, Meta.Name(node)))))
        {
            return "node(s) didn't match Pod's node affinity/selector";
        }

        foreach (var taint in (node["spec"]?["taints"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Meta.Str(taint, "effect") is "NoSchedule" or "NoExecute" && !Tolerates(spec, taint))
            {
                return $"node(s) had untolerated taint {{{Meta.Str(taint, "key")}: {Meta.Str(taint, "value")}}}";
            }
        }

        return null;
    }

    private static string? VolumeMisfit(IReadOnlyList<JsonArray> volumeTerms, JsonObject node)
    {
        var labels = Meta.StringMap(node["metadata"]?["labels"]);
        return volumeTerms.All(terms => terms.OfType<JsonObject>().Any(t => TermMatches(t, labels, Meta.Name(node))))
            ? null
            : "node(s) had volume node affinity conflict";
    }

    private static bool Tolerates(JsonObject spec, JsonObject taint) =>
        (spec["tolerations"] as JsonArray ?? []).OfType<JsonObject>().Any(t =>
        {
            var effect = Meta.Str(t, "effect");
            if (!string.IsNullOrEmpty(effect) && effect != Meta.Str(taint, "effect"))
            {
                return false;
            }

            var key = Meta.Str(t, "key");
            if (Meta.Str(t, "operator") == "Exists")
            {
                return string.IsNullOrEmpty(key) || key == Meta.Str(taint, "key");
            }

            return key == Meta.Str(taint, "key") && (Meta.Str(t, "value") ?? "") == (Meta.Str(taint, "value") ?? "");
        });

    /// <summary>One nodeSelectorTerm: all its matchExpressions (on labels) and matchFields (metadata.name) hold.</summary>
    private static bool TermMatches(JsonObject term, Dictionary<string, string> labels, string nodeName)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["metadata.name"] = nodeName };
        var expressions = (term["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>().Select(e => (e, labels))
            .Concat((term["matchFields"] as JsonArray ?? []).OfType<JsonObject>().Select(e => (e, fields)))
            .ToList();
        return expressions.Count > 0 && expressions.All(x => RequirementHolds(x.e, x.Item2));
    }

    private static bool RequirementHolds(JsonObject expression, Dictionary<string, string> values)
    {
        var has = values.TryGetValue(Meta.Str(expression, "key") ?? "", out var actual);
        var wanted = (expression["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>() ?? "").ToList();
        return Meta.Str(expression, "operator") switch
        {
            "In" => has && wanted.Contains(actual!),
            "NotIn" => !has || !wanted.Contains(actual!),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && long.TryParse(actual, out var a) && wanted.Count == 1 && long.TryParse(wanted[0], out var b) && a > b,
            "Lt" => has && long.TryParse(actual, out var c) && wanted.Count == 1 && long.TryParse(wanted[0], out var d) && c < d,
            _ => false,
        };
    }
}
