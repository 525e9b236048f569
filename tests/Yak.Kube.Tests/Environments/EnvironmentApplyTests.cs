using k8s;
using k8s.Models;
using Yak.Kube.Environments;
using Yak.Kube.Watching;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Kube.Tests.Environments;

/// <summary>Server-side apply, scale to zero and rollout watching against the local cluster.</summary>
public sealed class EnvironmentApplyTests
{
    [Fact]
    public async Task Apply_SameObjectsTwice_SecondChangesNothing()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await using var informers = new Yak.Kube.Watching.KubeInformers(cluster.Client);
        var objects = Objects("apply-twice", "busybox");

        var first = await ManifestApplier.ApplyAsync(cluster.Client, objects, CancellationToken.None).DefaultTimeout();
        var second = await ManifestApplier.ApplyAsync(cluster.Client, objects, CancellationToken.None).DefaultTimeout();

        Assert.All(first, a => Assert.Null(a.ResourceVersionBefore));
        Assert.All(second, a => Assert.False(a.Changed, $"{a.Kind}/{a.Name} changed"));
        var deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", "apply-twice").DefaultTimeout();
        Assert.Contains(deployment.Metadata.ManagedFields, f => f.Manager == ManifestApplier.FieldManager && f.Operation == "Apply");
    }

    [Fact]
    public void ChangedBy_ControllerWritesStatusOrItsOwnAnnotation_NotChanged()
    {
        var desired = Meta(rv: null, generation: null, labels: new() { ["a"] = "1" });
        var before = Meta("17", 2, new() { ["a"] = "1" });
        var statusOnly = Meta("22", 2, new() { ["a"] = "1" });
        var controllerAnnotated = Meta("23", 2, new() { ["a"] = "1" }, new() { ["deployment.kubernetes.io/revision"] = "1" });
        var relabelled = Meta("24", 2, new() { ["a"] = "2" });
        var newSpec = Meta("25", 3, new() { ["a"] = "1" });

        Assert.False(ManifestApplier.ChangedBy(before, statusOnly, desired));
        Assert.False(ManifestApplier.ChangedBy(before, controllerAnnotated, desired));
        Assert.True(ManifestApplier.ChangedBy(before, relabelled, Meta(rv: null, generation: null, labels: new() { ["a"] = "2" })));
        Assert.True(ManifestApplier.ChangedBy(relabelled, before, desired));
        Assert.True(ManifestApplier.ChangedBy(before, newSpec, desired));
        Assert.True(ManifestApplier.ChangedBy(null, statusOnly, desired));
        var configMap = new V1ConfigMap { Metadata = new V1ObjectMeta() };
        Assert.True(ManifestApplier.ChangedBy(new V1ConfigMap { Metadata = new V1ObjectMeta { ResourceVersion = "5" } }, new V1ConfigMap { Metadata = new V1ObjectMeta { ResourceVersion = "6" } }, configMap));
        Assert.False(ManifestApplier.ChangedBy(new V1ConfigMap { Metadata = new V1ObjectMeta { ResourceVersion = "5" } }, new V1ConfigMap { Metadata = new V1ObjectMeta { ResourceVersion = "5" } }, configMap));

        static V1Deployment Meta(string? rv, long? generation, Dictionary<string, string> labels, Dictionary<string, string>? annotations = null) =>
            new() { Metadata = new V1ObjectMeta { ResourceVersion = rv, Generation = generation, Labels = labels, Annotations = annotations } };
    }

    [Theory]
    [InlineData(0, "")]
    [InlineData(1, ", restarted once")]
    [InlineData(4, ", restarted 4 times")]
    public void Restarts_Count_SaidAsAPersonWould(int count, string expected) =>
        Assert.Equal(expected, RolloutWatcher.Restarts(count));

    [Fact]
    public async Task WaitAsync_Deployment_ReportsProgressUntilReady()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await using var informers = new Yak.Kube.Watching.KubeInformers(cluster.Client);
        await ManifestApplier.ApplyAsync(cluster.Client, Objects("rollout", "busybox"), CancellationToken.None).DefaultTimeout();
        var seen = new List<ServiceRollout>();

        var result = await RolloutWatcher.WaitAsync(cluster.Client, informers, "rollout", [Workload("rollout")], r => seen.Add(r), CancellationToken.None).DefaultTimeout();

        var app = Assert.Single(result);
        Assert.Equal(RolloutState.Ready, app.State);
        Assert.Equal((1, 1), (app.Ready, app.Desired));
        Assert.Equal(RolloutState.Ready, seen[^1].State);
        Assert.Single(app.Pods);
    }

    [Fact]
    public async Task WaitAsync_UnknownImage_StuckWithTheImageName()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await using var informers = new Yak.Kube.Watching.KubeInformers(cluster.Client);
        await ManifestApplier.ApplyAsync(cluster.Client, Objects("pull", "registry.example/no-such-image:1"), CancellationToken.None).DefaultTimeout();

        var result = await RolloutWatcher.WaitAsync(cluster.Client, informers, "pull", [Workload("pull")], _ => { }, CancellationToken.None).DefaultTimeout();

        var app = Assert.Single(result);
        Assert.Equal(RolloutState.Stuck, app.State);
        Assert.Contains("cannot pull image registry.example/no-such-image:1", app.Message, StringComparison.Ordinal);
        Assert.Equal(StuckReason.ImagePull, app.Reason);
    }

    [Fact]
    public async Task ScaleToZero_ThenApply_TakesTheReplicasBack()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await using var informers = new Yak.Kube.Watching.KubeInformers(cluster.Client);
        var objects = Objects("scale", "busybox");
        await ManifestApplier.ApplyAsync(cluster.Client, objects, CancellationToken.None).DefaultTimeout();

        await ManifestApplier.ScaleToZeroAsync(cluster.Client, Workload("scale"), CancellationToken.None).DefaultTimeout();
        Assert.Equal(0, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", "scale").DefaultTimeout()).Spec.Replicas);
        var down = await RolloutWatcher.WaitAsync(cluster.Client, informers, "scale", [Workload("scale")], _ => { }, CancellationToken.None).DefaultTimeout();
        Assert.Equal(RolloutState.ScaledDown, Assert.Single(down).State);

        var applied = await ManifestApplier.ApplyAsync(cluster.Client, objects, CancellationToken.None).DefaultTimeout();
        Assert.True(applied.Single(a => a.Kind == "Deployment").Changed);
        Assert.Equal(1, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", "scale").DefaultTimeout()).Spec.Replicas);
    }

    [Fact]
    public async Task DeleteNamespace_Twice_SecondReportsMissing()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await using var informers = new Yak.Kube.Watching.KubeInformers(cluster.Client);
        await ManifestApplier.ApplyAsync(cluster.Client, Objects("gone", "busybox"), CancellationToken.None).DefaultTimeout();

        Assert.True(await ManifestApplier.DeleteNamespaceAsync(cluster.Client, "gone", CancellationToken.None).DefaultTimeout());
        await WaitGoneAsync(cluster.Client, "gone").DefaultTimeout();
        Assert.False(await ManifestApplier.DeleteNamespaceAsync(cluster.Client, "gone", CancellationToken.None).DefaultTimeout());
    }

    private static WorkloadRef Workload(string ns) => new("app", WorkloadType.Deployment, ns, "app", "yak.dev/service=app", "app");

    private static async Task WaitGoneAsync(IKubernetes client, string ns)
    {
        var list = await client.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}");
        if (list.Items.Count == 0)
        {
            return;
        }

        await foreach (var (type, _) in WatchStream.WatchAsync<V1Namespace>(client, "api/v1/namespaces", fieldSelector: $"metadata.name={ns}", resourceVersion: list.Metadata.ResourceVersion))
        {
            if (type == WatchEventKind.Deleted)
            {
                return;
            }
        }
    }

    private static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects(string ns, string image)
    {
        var labels = new Dictionary<string, string> { ["yak.dev/service"] = "app" };
        return
        [
            new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } },
            new V1Deployment
            {
                ApiVersion = "apps/v1",
                Kind = "Deployment",
                Metadata = new V1ObjectMeta { Name = "app", NamespaceProperty = ns, Labels = labels },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = new V1PodSpec
                        {
                            Containers = [new V1Container { Name = "app", Image = image, Command = ["sh", "-c", "exec sleep 100000"] }],
                        },
                    },
                },
            },
        ];
    }
}
