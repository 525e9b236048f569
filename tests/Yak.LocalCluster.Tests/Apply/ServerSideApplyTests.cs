using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Apply;

public sealed class ServerSideApplyTests
{
    private static V1ConfigMap ConfigMap(string value, string? extra = null)
    {
        var data = new Dictionary<string, string> { ["k"] = value };
        if (extra is not null)
        {
            data["extra"] = extra;
        }

        return new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "cfg", NamespaceProperty = "default" }, Data = data };
    }

    private static Task<V1ConfigMap> ApplyAsync(Kubernetes client, V1ConfigMap body, string manager, bool force = false) =>
        client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(KubernetesJson.Serialize(body), V1Patch.PatchType.ApplyPatch), "cfg", "default", fieldManager: manager, force: force);

    [Fact]
    public async Task Apply_Missing_CreatesObjectOwnedByManager()
    {
        await using var cluster = await TestCluster.StartAsync();
        var applied = await ApplyAsync(cluster.Client, ConfigMap("1"), "yak").DefaultTimeout();

        var entry = Assert.Single(applied.Metadata.ManagedFields);
        Assert.Equal("yak", entry.Manager);
        Assert.Equal("Apply", entry.Operation);
        Assert.Equal("1", applied.Data["k"]);
    }

    [Fact]
    public async Task Apply_SameObjectAgain_LeavesResourceVersionUnchanged()
    {
        await using var cluster = await TestCluster.StartAsync();
        var first = await ApplyAsync(cluster.Client, ConfigMap("1"), "yak").DefaultTimeout();
        var second = await ApplyAsync(cluster.Client, ConfigMap("1"), "yak").DefaultTimeout();

        Assert.Equal(first.Metadata.ResourceVersion, second.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Apply_FieldDroppedFromConfig_RemovesIt()
    {
        await using var cluster = await TestCluster.StartAsync();
        await ApplyAsync(cluster.Client, ConfigMap("1", extra: "x"), "yak").DefaultTimeout();
        var second = await ApplyAsync(cluster.Client, ConfigMap("1"), "yak").DefaultTimeout();

        Assert.False(second.Data.ContainsKey("extra"));
    }

    [Fact]
    public async Task Apply_FieldOwnedByOtherManager_ConflictsUnlessForced()
    {
        await using var cluster = await TestCluster.StartAsync();
        await ApplyAsync(cluster.Client, ConfigMap("1"), "alice").DefaultTimeout();

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => ApplyAsync(cluster.Client, ConfigMap("2"), "bob")).DefaultTimeout();
        var forced = await ApplyAsync(cluster.Client, ConfigMap("2"), "bob", force: true).DefaultTimeout();

        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains("conflict with \"alice\"", System.Text.Json.Nodes.JsonNode.Parse(conflict.Response.Content)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("2", forced.Data["k"]);
        Assert.DoesNotContain(forced.Metadata.ManagedFields, m => m.Manager == "alice");
    }

    [Fact]
    public async Task Apply_SameValueByTwoManagers_SharesOwnershipWithoutConflict()
    {
        await using var cluster = await TestCluster.StartAsync();
        await ApplyAsync(cluster.Client, ConfigMap("1"), "alice").DefaultTimeout();
        var shared = await ApplyAsync(cluster.Client, ConfigMap("1"), "bob").DefaultTimeout();

        Assert.Equal(2, shared.Metadata.ManagedFields.Count);
    }

    [Fact]
    public async Task Apply_WithoutFieldManager_IsRejected()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/cfg",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k: '1'\n", "application/apply-patch+yaml");

        Assert.Equal(422, status);
        Assert.Contains("fieldManager", body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_YamlBody_IsParsed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/cfg?fieldManager=yak",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k: '1'\n  n: \"2\"\n", "application/apply-patch+yaml");

        Assert.Equal(201, status);
        Assert.Equal("""{"k":"1","n":"2"}""", body!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task Apply_Deployment_KeyedContainerListMergesAndOwnsByKey()
    {
        await using var cluster = await TestCluster.StartAsync();
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
                },
            },
        };
        var patch = new V1Patch(KubernetesJson.Serialize(deployment), V1Patch.PatchType.ApplyPatch);
        var first = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default", fieldManager: "yak").DefaultTimeout();
        var again = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default", fieldManager: "yak").DefaultTimeout();

        var fields = Assert.IsType<JsonElement>(again.Metadata.ManagedFields.Single(m => m.Manager == "yak").FieldsV1).GetRawText();
        Assert.Contains("main", fields, StringComparison.Ordinal);
        Assert.Equal(1, first.Metadata.Generation);
        Assert.Equal(1, again.Metadata.Generation);
    }

    [Fact]
    public async Task Apply_ProbeDroppedFromConfig_RemovesTheWholeProbeWithItsDefaults()
    {
        await using var cluster = await TestCluster.StartAsync();
        V1Deployment Deployment(V1Probe? probe) => new()
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox", ReadinessProbe = probe }] },
                },
            },
        };
        Task<V1Deployment> Apply(V1Probe? probe) =>
            cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(KubernetesJson.Serialize(Deployment(probe)), V1Patch.PatchType.ApplyPatch), "web", "default", fieldManager: "yak");

        var probed = await Apply(new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8080 } }).DefaultTimeout();
        var dropped = await Apply(null).DefaultTimeout();

        // Not an empty tcpSocket left behind without its port (which a kubelet cannot probe).
        Assert.Equal("8080", probed.Spec.Template.Spec.Containers[0].ReadinessProbe.TcpSocket.Port.Value);
        Assert.Null(dropped.Spec.Template.Spec.Containers[0].ReadinessProbe);
        Assert.Equal("busybox", dropped.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task Apply_StructSharedWithAnotherManager_KeepsTheOtherManagersFields()
    {
        await using var cluster = await TestCluster.StartAsync();
        var labels = (string manager, Dictionary<string, string> values) => cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(KubernetesJson.Serialize(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "cfg", Labels = values } }), V1Patch.PatchType.ApplyPatch),
            "cfg", "default", fieldManager: manager);

        await labels("a", new() { ["a"] = "1" }).DefaultTimeout();
        await labels("b", new() { ["b"] = "2" }).DefaultTimeout();
        var afterDrop = await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(KubernetesJson.Serialize(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "cfg" } }), V1Patch.PatchType.ApplyPatch),
            "cfg", "default", fieldManager: "a").DefaultTimeout();

        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, afterDrop.Metadata.Labels);
    }
}
