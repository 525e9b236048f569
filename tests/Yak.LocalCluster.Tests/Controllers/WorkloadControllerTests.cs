using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Controllers;

public sealed class WorkloadControllerTests
{
    private static V1Deployment Deployment(string image, int replicas = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = image, Ports = [new V1ContainerPort { ContainerPort = 8080, Name = "http" }] }] },
            },
        },
    };

    private static Task<V1PodList> Pods(TestCluster cluster, string selector = "app=web") =>
        cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: selector);

    [Fact]
    public async Task Deployment_Created_PodsRunAndStatusReportsAvailable()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("busybox", replicas: 2), "default").DefaultTimeout();

        var deployment = await cluster.EventuallyAsync(
            () => cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"),
            d => d.Status?.AvailableReplicas == 2 && d.Status.UpdatedReplicas == 2 && d.Status.ObservedGeneration == d.Metadata.Generation,
            "the deployment to become available").DefaultTimeout();
        var pods = await Pods(cluster).DefaultTimeout();

        Assert.Equal(2, pods.Items.Count);
        Assert.All(pods.Items, p => Assert.Equal("yak-local", p.Spec.NodeName));
        Assert.All(pods.Items, p => Assert.StartsWith("web-", p.Metadata.Name, StringComparison.Ordinal));
        Assert.Contains(deployment.Status.Conditions, c => c.Type == "Available" && c.Status == "True");
        Assert.Contains(deployment.Status.Conditions, c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable");
        Assert.Equal(2, cluster.Runtime.Running.Count);
    }

    [Fact]
    public async Task Deployment_TemplateChange_NewPodReadyBeforeOldIsTerminated()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("busybox"), "default").DefaultTimeout();
        var oldPod = (await cluster.EventuallyAsync(() => Pods(cluster), l => l.Items.Count == 1 && l.Items[0].Status?.PodIP is not null, "the first pod").DefaultTimeout()).Items[0];

        cluster.Runtime.MakeReady = false;
        await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            "web", "default").DefaultTimeout();
        var during = await cluster.EventuallyAsync(() => Pods(cluster), l => l.Items.Count == 2 && l.Items.All(p => p.Status?.PodIP is not null), "the surge pod").DefaultTimeout();
        var newPod = during.Items.Single(p => p.Metadata.Uid != oldPod.Metadata.Uid);

        Assert.Null(during.Items.Single(p => p.Metadata.Uid == oldPod.Metadata.Uid).Metadata.DeletionTimestamp);

        cluster.Runtime.SetReady(cluster.Runtime.Running[newPod.Metadata.Uid], ready: true);
        var after = await cluster.EventuallyAsync(() => Pods(cluster), l => l.Items.Count == 1 && l.Items[0].Metadata.Uid == newPod.Metadata.Uid, "the old pod to go").DefaultTimeout();
        var deployment = await cluster.EventuallyAsync(
            () => cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"),
            d => d.Status?.UpdatedReplicas == 1 && d.Status.Replicas == 1 && d.Status.AvailableReplicas == 1,
            "the rollout to complete").DefaultTimeout();

        Assert.Equal("busybox:2", after.Items[0].Spec.Containers[0].Image);
        Assert.Contains(oldPod.Metadata.Uid, cluster.Runtime.Stopped);
        Assert.Equal("2", deployment.Metadata.Annotations["deployment.kubernetes.io/revision"]);
    }

    [Fact]
    public async Task Deployment_PodsNeverReady_ProgressDeadlineExceeded()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Runtime.MakeReady = false;
        var deployment = Deployment("busybox");
        deployment.Spec.ProgressDeadlineSeconds = 1;
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default").DefaultTimeout();

        var stuck = await cluster.EventuallyAsync(
            () => cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"),
            d => d.Status?.Conditions?.Any(c => c.Type == "Progressing" && c.Status == "False") == true,
            "the progress deadline to pass").DefaultTimeout();

        Assert.Equal("ProgressDeadlineExceeded", stuck.Status.Conditions.Single(c => c.Type == "Progressing").Reason);
        Assert.Contains(stuck.Status.Conditions, c => c.Type == "Available" && c.Status == "False");
    }

    [Fact]
    public async Task Deployment_Deleted_ReplicaSetsAndPodsAreCollected()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("busybox"), "default").DefaultTimeout();
        await cluster.EventuallyAsync(() => Pods(cluster), l => l.Items.Count == 1, "the pod").DefaultTimeout();

        await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("web", "default").DefaultTimeout();

        await cluster.EventuallyAsync(() => Pods(cluster), l => l.Items.Count == 0, "the pods to be collected").DefaultTimeout();
        var replicaSets = await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default").DefaultTimeout();
        Assert.Empty(replicaSets.Items);
    }

    [Fact]
    public async Task Service_SelectsReadyPods_EndpointsCarryPodIpsAndTargetPort()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("busybox", replicas: 2), "default").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80, TargetPort = "http" }] },
        }, "default").DefaultTimeout();

        var endpoints = await cluster.EventuallyAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedEndpointsAsync("default", fieldSelector: "metadata.name=web")).Items.FirstOrDefault(),
            e => e?.Subsets?.FirstOrDefault()?.Addresses?.Count == 2,
            "two ready addresses").DefaultTimeout();
        var pods = await Pods(cluster).DefaultTimeout();

        Assert.Equal(pods.Items.Select(p => p.Status.PodIP).Order(), endpoints!.Subsets[0].Addresses.Select(a => a.Ip).Order());
        Assert.Equal(8080, endpoints.Subsets[0].Ports[0].Port);
    }

    [Fact]
    public async Task StatefulSet_Created_OrdinalPodsWithClaimsThatSurvivePodDeletion()
    {
        await using var cluster = await TestCluster.StartAsync();
        var sts = new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 2,
                ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "db" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "db", Image = "busybox", VolumeMounts = [new V1VolumeMount { MountPath = "/data", Name = "data" }] }] },
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "data" },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                        },
                    },
                ],
            },
        };
        await cluster.Client.AppsV1.CreateNamespacedStatefulSetAsync(sts, "default").DefaultTimeout();

        await cluster.EventuallyAsync(
            () => cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "default"),
            s => s.Status?.ReadyReplicas == 2, "both ordinals ready").DefaultTimeout();
        var pods = await Pods(cluster, "app=db").DefaultTimeout();
        var claims = await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync("default").DefaultTimeout();
        var firstUid = pods.Items.Single(p => p.Metadata.Name == "db-0").Metadata.Uid;

        Assert.Equal(["db-0", "db-1"], pods.Items.Select(p => p.Metadata.Name).Order());
        Assert.Equal(["data-db-0", "data-db-1"], claims.Items.Select(c => c.Metadata.Name).Order());
        Assert.Equal("data-db-0", pods.Items.Single(p => p.Metadata.Name == "db-0").Spec.Volumes.Single(v => v.Name == "data").PersistentVolumeClaim.ClaimName);

        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("db-0", "default").DefaultTimeout();
        var recreated = await cluster.EventuallyAsync(
            async () => (await Pods(cluster, "app=db")).Items.FirstOrDefault(p => p.Metadata.Name == "db-0"),
            p => p is not null && p.Metadata.Uid != firstUid && p.Status?.PodIP is not null, "db-0 to be recreated").DefaultTimeout();
        var claimsAfter = await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync("default").DefaultTimeout();

        Assert.NotNull(recreated);
        Assert.Equal(claims.Items.Select(c => c.Metadata.Uid).Order(), claimsAfter.Items.Select(c => c.Metadata.Uid).Order());
    }

    [Fact]
    public async Task StatefulSet_TemplateChangeAndScaleDown_ReplacesPodsThenRemovesHighestOrdinal()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 3,
                ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "db" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "db", Image = "busybox" }] },
                },
            },
        }, "default").DefaultTimeout();
        var first = await cluster.EventuallyAsync(
            () => cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "default"),
            s => s.Status?.ReadyReplicas == 3, "three ready ordinals").DefaultTimeout();

        await cluster.Client.AppsV1.PatchNamespacedStatefulSetAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"busybox:2"}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            "db", "default").DefaultTimeout();
        var updated = await cluster.EventuallyAsync(
            () => cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "default"),
            // The status read before the controller saw the patch also has three updated, ready replicas: wait for the new revision.
            s => s.Status?.UpdateRevision != first.Status.UpdateRevision
                && s.Status?.UpdatedReplicas == 3 && s.Status.ReadyReplicas == 3 && s.Status.CurrentRevision == s.Status.UpdateRevision,
            "the rolling update").DefaultTimeout();
        await cluster.Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "db", "default").DefaultTimeout();
        var pods = await cluster.EventuallyAsync(() => Pods(cluster, "app=db"), l => l.Items.Count == 1, "the scale down").DefaultTimeout();

        Assert.NotEqual(first.Status.UpdateRevision, updated.Status.UpdateRevision);
        Assert.Equal("db-0", pods.Items[0].Metadata.Name);
        Assert.Equal("busybox:2", pods.Items[0].Spec.Containers[0].Image);
    }

    [Fact]
    public async Task Namespace_Deleted_ContentIsDeletedThenNamespaceIsGone()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } }).DefaultTimeout();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("busybox"), "team").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "team").DefaultTimeout();
        await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ListNamespacedPodAsync("team"), l => l.Items.Count == 1, "the pod").DefaultTimeout();

        var (status, body) = await cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/team");

        Assert.Equal(200, status);
        Assert.Equal("Terminating", body!["status"]!["phase"]!.GetValue<string>());
        await cluster.EventuallyAsync(
            async () => (await cluster.Client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=team")).Items.Count,
            n => n == 0, "the namespace to be removed").DefaultTimeout();
        var (created, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/team/configmaps/c");
        Assert.Equal(404, created);
        Assert.Single(cluster.Runtime.Stopped);
    }
}
