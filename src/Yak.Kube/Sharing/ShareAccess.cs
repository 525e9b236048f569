using k8s.Models;

namespace Yak.Kube.Sharing;

/// <summary>How much a guest may do in a shared namespace.</summary>
public enum ShareLevel
{
    /// <summary>get/list/watch pods, services, events, pods/log (and the workloads, for status).</summary>
    ReadOnly,

    /// <summary>Read-only plus pods/exec, pods/attach, pods/portforward.</summary>
    Full,
}

/// <summary>
/// The least-privilege rules of a share: what a guest's ServiceAccount may do in the owner's namespace. Read-only reads
/// pods, services, events and logs (and Deployments/StatefulSets, so status can say what is rolling out); full adds
/// exec, attach and port-forward; Secrets only when asked for.
/// </summary>
public static class ShareAccess
{
    private static readonly string[] Read = ["get", "list", "watch"];

    public static IList<V1PolicyRule> Rules(ShareLevel level, bool secrets)
    {
        var rules = new List<V1PolicyRule>
        {
            new() { ApiGroups = [""], Resources = ["pods", "pods/log", "services", "endpoints", "events"], Verbs = Read },
            new() { ApiGroups = ["apps"], Resources = ["deployments", "statefulsets", "replicasets"], Verbs = Read },
            new() { ApiGroups = ["events.k8s.io"], Resources = ["events"], Verbs = Read },
        };
        if (level == ShareLevel.Full)
        {
            rules.Add(new V1PolicyRule { ApiGroups = [""], Resources = ["pods/exec", "pods/attach", "pods/portforward"], Verbs = ["create", "get"] });
        }

        if (secrets)
        {
            rules.Add(new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], Verbs = Read });
        }

        return rules;
    }

    /// <summary>The level a set of rules grants (what <c>access</c> reports).</summary>
    public static (ShareLevel Level, bool Secrets) Of(IEnumerable<V1PolicyRule>? rules)
    {
        var list = rules?.ToList() ?? [];
        var full = list.Any(r => r.Resources?.Contains("pods/exec") == true);
        var secrets = list.Any(r => r.Resources?.Contains("secrets") == true);
        return (full ? ShareLevel.Full : ShareLevel.ReadOnly, secrets);
    }

    public static string Describe(ShareLevel level, bool secrets) =>
        (level == ShareLevel.Full ? "full (read, logs, exec, attach, port-forward)" : "read-only (status, logs, events)") + (secrets ? " + secrets" : "");

    public static string WireName(ShareLevel level) => level == ShareLevel.Full ? "full" : "read-only";
}
