namespace Yak.LocalCluster.Serialization;

/// <summary>How a protobuf field maps to JSON.</summary>
internal enum ProtoKind
{
    String,
    Int,
    Bool,
    Bytes,
    Message,
    MapStringString,
    MapStringBytes,
    MapStringQuantity,
    IntOrString,
    Quantity,
}

internal sealed record ProtoField(string Json, ProtoKind Kind, string? Message = null, bool Repeated = false);

/// <summary>
/// Field numbers of the Kubernetes protobuf messages that kubectl's typed clients send (the <c>kubectl create</c>
/// generators and <c>kubectl run</c>), from k8s.io/api generated.proto. Fields not listed are skipped.
/// </summary>
internal static class ProtobufSchema
{
    private static ProtoField S(string json) => new(json, ProtoKind.String);

    private static ProtoField Ss(string json) => new(json, ProtoKind.String, Repeated: true);

    private static ProtoField I(string json) => new(json, ProtoKind.Int);

    private static ProtoField B(string json) => new(json, ProtoKind.Bool);

    private static ProtoField M(string json, string message, bool repeated = false) => new(json, ProtoKind.Message, message, repeated);

    private static ProtoField Map(string json) => new(json, ProtoKind.MapStringString);

    public static Dictionary<string, Dictionary<int, ProtoField>> Messages { get; } = new()
    {
        ["Namespace"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "NamespaceSpec") },
        ["NamespaceSpec"] = new() { [1] = Ss("finalizers") },
        ["ConfigMap"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = Map("data"), [3] = new("binaryData", ProtoKind.MapStringBytes), [4] = B("immutable") },
        ["Secret"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = new("data", ProtoKind.MapStringBytes), [3] = S("type"), [4] = Map("stringData"), [5] = B("immutable") },
        ["ServiceAccount"] = new() { [1] = M("metadata", "ObjectMeta"), [3] = M("imagePullSecrets", "LocalObjectReference", true), [4] = B("automountServiceAccountToken") },
        ["LocalObjectReference"] = new() { [1] = S("name") },
        ["Pod"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "PodSpec") },
        ["Deployment"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "DeploymentSpec") },
        ["DeploymentSpec"] = new()
        {
            [1] = I("replicas"), [2] = M("selector", "LabelSelector"), [3] = M("template", "PodTemplateSpec"), [4] = M("strategy", "DeploymentStrategy"),
            [5] = I("minReadySeconds"), [6] = I("revisionHistoryLimit"), [7] = B("paused"), [9] = I("progressDeadlineSeconds"),
        },
        ["DeploymentStrategy"] = new() { [1] = S("type"), [2] = M("rollingUpdate", "RollingUpdateDeployment") },
        ["RollingUpdateDeployment"] = new() { [1] = new("maxUnavailable", ProtoKind.IntOrString), [2] = new("maxSurge", ProtoKind.IntOrString) },
        ["LabelSelector"] = new() { [1] = Map("matchLabels"), [2] = M("matchExpressions", "LabelSelectorRequirement", true) },
        ["LabelSelectorRequirement"] = new() { [1] = S("key"), [2] = S("operator"), [3] = Ss("values") },
        ["PodTemplateSpec"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "PodSpec") },
        ["PodSpec"] = new()
        {
            [2] = M("containers", "Container", true), [3] = S("restartPolicy"), [4] = I("terminationGracePeriodSeconds"), [5] = I("activeDeadlineSeconds"),
            [6] = S("dnsPolicy"), [7] = Map("nodeSelector"), [8] = S("serviceAccountName"), [10] = S("nodeName"), [15] = M("imagePullSecrets", "LocalObjectReference", true),
            [16] = S("hostname"), [17] = S("subdomain"), [19] = S("schedulerName"), [20] = M("initContainers", "Container", true),
        },
        ["Container"] = new()
        {
            [1] = S("name"), [2] = S("image"), [3] = Ss("command"), [4] = Ss("args"), [5] = S("workingDir"), [6] = M("ports", "ContainerPort", true),
            [7] = M("env", "EnvVar", true), [8] = M("resources", "ResourceRequirements"), [13] = S("terminationMessagePath"), [14] = S("imagePullPolicy"),
            [16] = B("stdin"), [17] = B("stdinOnce"), [18] = B("tty"), [20] = S("terminationMessagePolicy"),
        },
        ["ContainerPort"] = new() { [1] = S("name"), [2] = I("hostPort"), [3] = I("containerPort"), [4] = S("protocol"), [5] = S("hostIP") },
        ["EnvVar"] = new() { [1] = S("name"), [2] = S("value") },
        ["ResourceRequirements"] = new() { [1] = new("limits", ProtoKind.MapStringQuantity), [2] = new("requests", ProtoKind.MapStringQuantity) },
        ["Job"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "JobSpec") },
        ["JobSpec"] = new()
        {
            [1] = I("parallelism"), [2] = I("completions"), [3] = I("activeDeadlineSeconds"), [4] = M("selector", "LabelSelector"), [5] = B("manualSelector"),
            [6] = M("template", "PodTemplateSpec"), [7] = I("backoffLimit"), [8] = I("ttlSecondsAfterFinished"), [9] = S("completionMode"), [10] = B("suspend"),
        },
        ["CronJob"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "CronJobSpec") },
        ["CronJobSpec"] = new()
        {
            [1] = S("schedule"), [2] = I("startingDeadlineSeconds"), [3] = S("concurrencyPolicy"), [4] = B("suspend"), [5] = M("jobTemplate", "JobTemplateSpec"),
            [6] = I("successfulJobsHistoryLimit"), [7] = I("failedJobsHistoryLimit"), [8] = S("timeZone"),
        },
        ["JobTemplateSpec"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "JobSpec") },
        ["Service"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "ServiceSpec") },
        ["ServiceSpec"] = new()
        {
            [1] = M("ports", "ServicePort", true), [2] = Map("selector"), [3] = S("clusterIP"), [4] = S("type"), [5] = Ss("externalIPs"),
            [7] = S("sessionAffinity"), [11] = S("externalName"),
        },
        ["ServicePort"] = new() { [1] = S("name"), [2] = S("protocol"), [3] = I("port"), [4] = new("targetPort", ProtoKind.IntOrString), [5] = I("nodePort") },
        ["Role"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("rules", "PolicyRule", true) },
        ["ClusterRole"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("rules", "PolicyRule", true) },
        ["ClusterRoleBinding"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("subjects", "Subject", true), [3] = M("roleRef", "RoleRef") },
        ["PolicyRule"] = new() { [1] = Ss("verbs"), [2] = Ss("apiGroups"), [3] = Ss("resources"), [4] = Ss("resourceNames"), [5] = Ss("nonResourceURLs") },
        ["RoleBinding"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("subjects", "Subject", true), [3] = M("roleRef", "RoleRef") },
        ["Subject"] = new() { [1] = S("kind"), [2] = S("apiGroup"), [3] = S("name"), [4] = S("namespace") },
        ["SelfSubjectAccessReview"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "SelfSubjectAccessReviewSpec") },
        ["TokenRequest"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "TokenRequestSpec") },
        ["TokenRequestSpec"] = new() { [1] = Ss("audiences"), [3] = M("boundObjectRef", "BoundObjectReference"), [4] = I("expirationSeconds") },
        ["BoundObjectReference"] = new() { [1] = S("kind"), [2] = S("apiVersion"), [3] = S("name"), [4] = S("uid") },
        ["SelfSubjectReview"] = new() { [1] = M("metadata", "ObjectMeta") },
        ["SelfSubjectRulesReview"] = new() { [1] = M("metadata", "ObjectMeta"), [2] = M("spec", "SelfSubjectRulesReviewSpec") },
        ["SelfSubjectRulesReviewSpec"] = new() { [1] = S("namespace") },
        ["SelfSubjectAccessReviewSpec"] = new() { [1] = M("resourceAttributes", "ResourceAttributes"), [2] = M("nonResourceAttributes", "NonResourceAttributes") },
        ["ResourceAttributes"] = new() { [1] = S("namespace"), [2] = S("verb"), [3] = S("group"), [4] = S("version"), [5] = S("resource"), [6] = S("subresource"), [7] = S("name") },
        ["NonResourceAttributes"] = new() { [1] = S("path"), [2] = S("verb") },
        ["RoleRef"] = new() { [1] = S("apiGroup"), [2] = S("kind"), [3] = S("name") },
        ["ObjectMeta"] = new()
        {
            [1] = S("name"), [2] = S("generateName"), [3] = S("namespace"), [5] = S("uid"), [6] = S("resourceVersion"), [7] = I("generation"),
            [11] = Map("labels"), [12] = Map("annotations"), [13] = M("ownerReferences", "OwnerReference", true), [14] = Ss("finalizers"),
        },
        ["OwnerReference"] = new() { [1] = S("kind"), [3] = S("name"), [4] = S("uid"), [5] = S("apiVersion"), [6] = B("controller"), [7] = B("blockOwnerDeletion") },
    };
}
