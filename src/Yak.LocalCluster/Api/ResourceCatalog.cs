namespace Yak.LocalCluster.Api;

/// <summary>The fixed set of resources this server emulates (the ones yak and kubectl use).</summary>
public static class ResourceCatalog
{
    private static readonly string[] None = [];

    public static ResourceType Namespaces { get; } = new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], ["status", "finalize"], true, false);

    public static ResourceType Nodes { get; } = new("", "v1", "nodes", "node", "Node", false, ["no"], ["status"], true, true);

    public static ResourceType Pods { get; } = new("", "v1", "pods", "pod", "Pod", true, ["po"], ["status", "log", "exec", "attach", "portforward"], true, true);

    public static ResourceType Services { get; } = new("", "v1", "services", "service", "Service", true, ["svc"], ["status"], true, true);

    public static ResourceType Endpoints { get; } = new("", "v1", "endpoints", "endpoints", "Endpoints", true, ["ep"], None, false, false);

    public static ResourceType ConfigMaps { get; } = new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], None, false, false);

    public static ResourceType Secrets { get; } = new("", "v1", "secrets", "secret", "Secret", true, None, None, false, false);

    public static ResourceType ServiceAccounts { get; } = new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], ["token"], false, true);

    public static ResourceType PersistentVolumes { get; } = new("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, ["pv"], ["status"], true, true);

    public static ResourceType PersistentVolumeClaims { get; } = new("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, ["pvc"], ["status"], true, true);

    public static ResourceType Events { get; } = new("", "v1", "events", "event", "Event", true, ["ev"], None, false, false);

    public static ResourceType Deployments { get; } = new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], ["status", "scale"], true, false);

    public static ResourceType StatefulSets { get; } = new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, ["sts"], ["status", "scale"], true, false);

    public static ResourceType ReplicaSets { get; } = new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], ["status", "scale"], true, false);

    public static ResourceType ControllerRevisions { get; } = new("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, None, None, false, false);

    public static ResourceType Jobs { get; } = new("batch", "v1", "jobs", "job", "Job", true, None, ["status"], true, false);

    public static ResourceType CronJobs { get; } = new("batch", "v1", "cronjobs", "cronjob", "CronJob", true, ["cj"], ["status"], true, false);

    public static ResourceType Roles { get; } = new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, None, None, false, false);

    public static ResourceType RoleBindings { get; } = new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, None, None, false, false);

    public static ResourceType ClusterRoles { get; } = new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, None, None, false, false);

    public static ResourceType ClusterRoleBindings { get; } = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, None, None, false, false);

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Namespaces, Nodes, Pods, Services, Endpoints, ConfigMaps, Secrets, ServiceAccounts, PersistentVolumeClaims, Events,
        Deployments, StatefulSets, ReplicaSets, ControllerRevisions, Jobs, CronJobs, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings,
        PersistentVolumes,
    ];

    /// <summary>Group versions in discovery order.</summary>
    public static IReadOnlyList<(string Group, string Version)> GroupVersions { get; } =
    [
        ("", "v1"), ("apps", "v1"), ("batch", "v1"), ("rbac.authorization.k8s.io", "v1"),
    ];

    public static IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        All.Where(r => r.Group == group && r.Version == version);

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    public static ResourceType? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(r => r.GroupVersion == apiVersion && r.Kind == kind);
}
