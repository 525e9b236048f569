using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// The default ClusterRoles every cluster has (cluster-admin, admin, edit, view — shortened to the resources this
/// server serves) and the binding of cluster-admin to <c>system:masters</c>. Created when missing, never overwritten.
/// </summary>
public static class RbacBootstrap
{
    private static readonly string[] Read = ["get", "list", "watch"];
    private static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];

    public static void Ensure(ClusterApi api)
    {
        string[] workloads = ["pods", "pods/log", "pods/status", "services", "services/status", "endpoints", "configmaps", "persistentvolumeclaims", "persistentvolumeclaims/status", "serviceaccounts", "events"];
        string[] apps = ["deployments", "deployments/scale", "deployments/status", "statefulsets", "statefulsets/scale", "statefulsets/status", "replicasets", "replicasets/scale", "replicasets/status", "controllerrevisions"];
        Role(api, "cluster-admin",
            Rule(["*"], ["*"], ["*"]),
            new JsonObject { ["nonResourceURLs"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") });
        Role(api, "view",
            Rule([""], workloads, Read),
            Rule([""], ["namespaces", "namespaces/status"], Read),
            Rule(["apps"], apps, Read),
            Rule(["batch"], ["jobs", "jobs/status", "cronjobs", "cronjobs/status"], Read));
        Role(api, "edit",
            Rule([""], workloads, Read),
            Rule([""], ["namespaces", "namespaces/status"], Read),
            Rule(["apps"], apps, Read),
            Rule(["batch"], ["jobs", "jobs/status", "cronjobs", "cronjobs/status"], Read),
            Rule([""], ["pods", "services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"], Write),
            Rule([""], ["secrets"], Read),
            Rule([""], ["pods/exec", "pods/attach", "pods/portforward", "pods/eviction"], ["create", "get"]),
            Rule(["apps"], ["deployments", "deployments/scale", "statefulsets", "statefulsets/scale", "replicasets", "replicasets/scale"], Write),
            Rule(["batch"], ["jobs", "cronjobs"], Write));
        Role(api, "admin",
            Rule([""], workloads, Read),
            Rule([""], ["namespaces", "namespaces/status"], Read),
            Rule(["apps"], apps, Read),
            Rule(["batch"], ["jobs", "jobs/status", "cronjobs", "cronjobs/status"], Read),
            Rule([""], ["pods", "services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"], Write),
            Rule([""], ["secrets"], Read),
            Rule([""], ["pods/exec", "pods/attach", "pods/portforward", "pods/eviction"], ["create", "get"]),
            Rule(["apps"], ["deployments", "deployments/scale", "statefulsets", "statefulsets/scale", "replicasets", "replicasets/scale"], Write),
            Rule(["batch"], ["jobs", "cronjobs"], Write),
            Rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], [.. Read, .. Write]),
            Rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]));
        if (api.TryGet(ResourceCatalog.ClusterRoleBindings, "", "cluster-admin") is null)
        {
            api.Create(ResourceCatalog.ClusterRoleBindings, "", new JsonObject
            {
                ["metadata"] = Metadata("cluster-admin"),
                ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "cluster-admin" },
                ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = ClusterUser.MastersGroup }),
            }, WriteOptions.Internal);
        }
    }

    private static void Role(ClusterApi api, string name, params JsonObject[] rules)
    {
        if (api.TryGet(ResourceCatalog.ClusterRoles, "", name) is null)
        {
            api.Create(ResourceCatalog.ClusterRoles, "", new JsonObject { ["metadata"] = Metadata(name), ["rules"] = new JsonArray([.. rules]) }, WriteOptions.Internal);
        }
    }

    private static JsonObject Metadata(string name) => new()
    {
        ["name"] = name,
        ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        ["annotations"] = new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
    };

    private static JsonObject Rule(string[] groups, string[] resources, string[] verbs) => new()
    {
        ["apiGroups"] = new JsonArray([.. groups.Select(g => (JsonNode)g)]),
        ["resources"] = new JsonArray([.. resources.Select(r => (JsonNode)r)]),
        ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
    };
}
