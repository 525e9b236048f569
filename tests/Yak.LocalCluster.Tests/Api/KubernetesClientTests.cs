using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Api;

/// <summary>The typed KubernetesClient against the server: selectors, conflicts, collections, propagation.</summary>
public sealed class KubernetesClientTests
{
    private static V1ConfigMap ConfigMap(string name, string tier) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["tier"] = tier } },
        Data = new Dictionary<string, string> { ["k"] = name },
    };

    [Fact]
    public async Task List_LabelAndFieldSelectors_FilterItems()
    {
        await using var cluster = await TestCluster.StartAsync();
        foreach (var (name, tier) in new[] { ("a", "web"), ("b", "web"), ("c", "db") })
        {
            await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name, tier), "default").DefaultTimeout();
        }

        var web = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "tier=web").DefaultTimeout();
        var notWeb = await cluster.Client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: "tier notin (web)").DefaultTimeout();
        var byName = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=b,metadata.namespace=default").DefaultTimeout();

        Assert.Equal(["a", "b"], web.Items.Select(i => i.Metadata.Name));
        Assert.Equal(["c"], notWeb.Items.Select(i => i.Metadata.Name));
        Assert.Equal("b", Assert.Single(byName.Items).Metadata.Name);
        Assert.False(string.IsNullOrEmpty(web.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Replace_StaleObject_ThrowsConflict()
    {
        await using var cluster = await TestCluster.StartAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "web"), "default").DefaultTimeout();
        created.Metadata.ManagedFields = null; // KubernetesClient.Aot cannot write their JSON values; a PUT without them keeps the server's
        created.Data["k"] = "1";
        await cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default").DefaultTimeout();
        created.Data["k"] = "2";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task DeleteCollection_LabelSelector_DeletesOnlyMatching()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "web"), "default").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b", "db"), "default").DefaultTimeout();

        await cluster.Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync("default", labelSelector: "tier=web").DefaultTimeout();
        var left = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default").DefaultTimeout();

        Assert.Equal(["b"], left.Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Delete_OrphanPropagation_LeavesDependentsWithoutOwner()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
                },
            },
        }, "default").DefaultTimeout();
        await cluster.EventuallyAsync(() => cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default"), l => l.Items.Count == 1, "the replica set").DefaultTimeout();

        await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("web", "default", propagationPolicy: "Orphan").DefaultTimeout();
        var replicaSets = await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default").DefaultTimeout();

        var orphan = Assert.Single(replicaSets.Items);
        Assert.Null(orphan.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task DeleteNamespace_KubernetesClient_ReturnsAndNamespaceGoes()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "env" } }).DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "web"), "env").DefaultTimeout();

        var status = await cluster.Client.CoreV1.DeleteNamespaceAsync("env").DefaultTimeout();
        await cluster.EventuallyAsync(
            async () => (await cluster.Client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=env")).Items.Count,
            n => n == 0, "the namespace to go").DefaultTimeout();

        Assert.Equal("Terminating", status.ObjectView<V1Namespace>().Status.Phase);
    }

    [Fact]
    public async Task Delete_RunningPod_IsGracefulThenRemoved()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
        }, "default").DefaultTimeout();
        var running = await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("p", "default"), p => p.Status?.PodIP is not null, "the pod to run").DefaultTimeout();

        var deleting = await cluster.Client.CoreV1.DeleteNamespacedPodAsync("p", "default").DefaultTimeout();
        await cluster.EventuallyAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: "metadata.name=p")).Items.Count,
            n => n == 0, "the pod to be removed").DefaultTimeout();

        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(30, deleting.Metadata.DeletionGracePeriodSeconds);
        Assert.Contains(running.Metadata.Uid, cluster.Runtime.Stopped);
    }
}
