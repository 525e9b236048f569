using System.Diagnostics;
using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Kubectl;

/// <summary>The real kubectl against an in-process cluster (fake pod runtime: pods are Ready at once).</summary>
public sealed class KubectlConformanceTests
{
    private static async Task<(TestCluster Cluster, Support.Kubectl Kubectl)> StartAsync(string? version = null)
    {
        var cluster = await TestCluster.StartAsync();
        return (cluster, Support.Kubectl.For(cluster.Host.KubeconfigPath, version));
    }

    [Fact]
    public async Task Https_GeneratedCa_KubectlTrustsKubeconfig()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);

        var applied = await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        var rollout = await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=20s");

        Assert.Equal("https", cluster.Host.Server.Scheme);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("successfully rolled out", rollout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Namespaces_ListsTheBuiltInNamespaces()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;

        var output = await kubectl.OkAsync("get", "namespaces", "-o", "name");
        var version = await kubectl.OkAsync("version", "-o", "json");

        Assert.Contains("namespace/default", output, StringComparison.Ordinal);
        Assert.Contains("namespace/kube-system", output, StringComparison.Ordinal);
        Assert.Contains("yak-local", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_DeploymentAndService_CreatedThenUnchangedThenConfigured()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;

        var first = await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        var second = await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        var third = await kubectl.RunWithStdinAsync(Manifests.WebApp(value: "2"), "apply", "-f", "-");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("deployment.apps/web created", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("service/web created", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("deployment.apps/web unchanged", second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("service/web unchanged", second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("deployment.apps/web configured", third.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", third.StandardError, StringComparison.OrdinalIgnoreCase);
        var deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default").DefaultTimeout();
        Assert.Equal("2", deployment.Spec.Template.Spec.Containers[0].Env.Single().Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Apply_RemovedContainerAndEnvVar_AreDeletedFromLiveObject(bool serverSide)
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        string[] apply = serverSide ? ["apply", "--server-side", "-f", "-"] : ["apply", "-f", "-"];
        var twoContainers = Manifests.WebApp().Replace(
            "        - name: VALUE\n          value: \"1\"\n",
            "        - name: VALUE\n          value: \"1\"\n        - name: EXTRA\n          value: \"x\"\n      - name: sidecar\n        image: busybox\n        command: [\"sleep\", \"3600\"]\n",
            StringComparison.Ordinal);
        Assert.Contains("sidecar", twoContainers, StringComparison.Ordinal);

        var first = await kubectl.RunWithStdinAsync(twoContainers, apply);
        var second = await kubectl.RunWithStdinAsync(Manifests.WebApp(), apply);
        var deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default").DefaultTimeout();

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("main", container.Name);
        Assert.Equal("VALUE", Assert.Single(container.Env).Name);
        Assert.Equal(8080, Assert.Single(container.Ports).ContainerPort);
    }

    [Fact]
    public async Task ApplyServerSide_Twice_ReportsAppliedAndKeepsResourceVersion()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;

        var first = await kubectl.RunWithStdinAsync(Manifests.ConfigMap("cfg", "1"), "apply", "--server-side", "-f", "-");
        var rv1 = await kubectl.OkAsync("get", "configmap", "cfg", "-o", "jsonpath={.metadata.resourceVersion}");
        var second = await kubectl.RunWithStdinAsync(Manifests.ConfigMap("cfg", "1"), "apply", "--server-side", "-f", "-");
        var rv2 = await kubectl.OkAsync("get", "configmap", "cfg", "-o", "jsonpath={.metadata.resourceVersion}");
        var conflict = await kubectl.RunWithStdinAsync(Manifests.ConfigMap("cfg", "2"), "apply", "--server-side", "--field-manager", "other", "-f", "-");
        var forced = await kubectl.RunWithStdinAsync(Manifests.ConfigMap("cfg", "2"), "apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("configmap/cfg serverside-applied", first.StandardOutput, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(rv1, rv2);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("conflict with \"kubectl\"", conflict.StandardError, StringComparison.Ordinal);
        Assert.True(forced.ExitCode == 0, forced.ToString());
    }

    [Fact]
    public async Task ApplyServerSide_AfterClientSideApply_TakesOverWithoutConflict()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;

        var clientSide = await kubectl.RunWithStdinAsync(Manifests.ConfigMap("cfg", "1"), "apply", "-f", "-");
        var serverSide = await kubectl.RunWithStdinAsync(Manifests.ConfigMap("cfg", "2"), "apply", "--server-side", "-f", "-");
        var rv1 = await kubectl.OkAsync("get", "configmap", "cfg", "-o", "jsonpath={.metadata.resourceVersion}");
        var again = await kubectl.RunWithStdinAsync(Manifests.ConfigMap("cfg", "2"), "apply", "--server-side", "-f", "-");
        var rv2 = await kubectl.OkAsync("get", "configmap", "cfg", "-o", "jsonpath={.metadata.resourceVersion}");
        var value = await kubectl.OkAsync("get", "configmap", "cfg", "-o", "jsonpath={.data.key}");

        Assert.True(clientSide.ExitCode == 0, clientSide.ToString());
        Assert.True(serverSide.ExitCode == 0, serverSide.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("2", value.Trim());
        Assert.Equal(rv1, rv2);
    }

    [Fact]
    public async Task DeleteNamespace_WithWorkloads_CascadesAndWaitsUntilGone()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        await kubectl.RunWithStdinAsync(Manifests.Namespace("team"), "apply", "-f", "-");
        var applied = await kubectl.RunWithStdinAsync(Manifests.WebApp("team"), "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await kubectl.OkAsync("rollout", "status", "deployment/web", "-n", "team", "--timeout=20s");

        var deleted = await kubectl.OkAsync("delete", "namespace", "team", "--timeout=20s");
        var after = await kubectl.RunAsync("get", "namespace", "team");
        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync("team").DefaultTimeout();

        Assert.Contains("namespace \"team\" deleted", deleted, StringComparison.Ordinal);
        Assert.NotEqual(0, after.ExitCode);
        Assert.Contains("NotFound", after.StandardError, StringComparison.Ordinal);
        Assert.Empty(pods.Items);
        Assert.Equal(2, cluster.Runtime.Stopped.Count);
    }

    [Fact]
    public async Task GetWatch_ConfigMapChanges_PrintsEachEvent()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        using var process = new Process { StartInfo = kubectl.StartInfo(["get", "configmaps", "--watch", "-o", "name", "--request-timeout=25s"]) };
        process.Start();
        try
        {
            // Whether w1 shows up in kubectl's initial list or as a watch event, the change after it must arrive as an event.
            await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w1" } }, "default").DefaultTimeout();
            await ReadUntilAsync(process, "configmap/w1");
            await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"b"}}""", V1Patch.PatchType.MergePatch), "w1", "default").DefaultTimeout();
            await ReadUntilAsync(process, "configmap/w1");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().DefaultTimeout();
        }
    }

    private static async Task ReadUntilAsync(Process process, string expected)
    {
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync().DefaultTimeout();
            if (line is null)
            {
                Assert.Fail("kubectl get -w ended early: " + await process.StandardError.ReadToEndAsync().DefaultTimeout());
            }

            if (line == expected)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task WaitAndRolloutStatus_Deployment_SucceedWhenPodsAreReady()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");

        var rollout = await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=20s");
        var pod = (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web").DefaultTimeout()).Items[0].Metadata.Name;
        var wait = await kubectl.OkAsync("wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=20s");

        Assert.Contains("successfully rolled out", rollout, StringComparison.Ordinal);
        Assert.Contains("condition met", wait, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_PodsAndDeployments_PrintServerSideColumns()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=20s");

        var pods = await kubectl.OkAsync("get", "pods", "-o", "wide");
        var deployments = await kubectl.OkAsync("get", "deployments");
        var services = await kubectl.OkAsync("get", "services", "web");

        Assert.Matches(@"NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE", pods);
        Assert.Matches(@"web-\S+\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\S+\s+yak-local", pods);
        Assert.Matches(@"web\s+2/2\s+2\s+2", deployments);
        Assert.Matches(@"web\s+ClusterIP\s+10\.96\.\S+\s+<none>\s+80/TCP", services);
    }

    [Fact]
    public async Task Describe_Deployment_ShowsControllerEvents()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=20s");

        var described = await kubectl.OkAsync("describe", "deployment", "web");
        var events = await kubectl.OkAsync("get", "events");

        Assert.Matches(@"ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-\S+ from 0 to 2", described);
        Assert.Matches(@"Normal\s+Scheduled\s+pod/web-\S+\s+Successfully assigned default/web-", events);
    }

    [Fact]
    public async Task RolloutPauseResume_TemplateChange_WaitsForResume()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=20s");

        await kubectl.OkAsync("rollout", "pause", "deployment/web");
        await kubectl.RunWithStdinAsync(Manifests.WebApp(value: "2"), "apply", "-f", "-");
        var paused = await cluster.EventuallyAsync(
            () => cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"),
            d => d.Status?.ObservedGeneration == d.Metadata.Generation && d.Status?.Conditions?.Any(c => c.Reason == "DeploymentPaused") == true,
            "the paused deployment to be observed").DefaultTimeout();
        var replicaSetsWhilePaused = (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default").DefaultTimeout()).Items.Count;

        await kubectl.OkAsync("rollout", "resume", "deployment/web");
        var rollout = await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=20s");
        var replicaSets = (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default").DefaultTimeout()).Items.Count;

        Assert.Null(paused.Status.UpdatedReplicas);
        Assert.Equal(1, replicaSetsWhilePaused);
        Assert.Contains("successfully rolled out", rollout, StringComparison.Ordinal);
        Assert.Equal(2, replicaSets);
    }

    [Fact]
    public async Task LabelScaleAndPatch_Deployment_AreAccepted()
    {
        var (cluster, kubectl) = await StartAsync();
        await using var _ = cluster;
        await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");

        await kubectl.OkAsync("label", "deployment", "web", "tier=frontend");
        await kubectl.OkAsync("scale", "deployment", "web", "--replicas=3");
        await kubectl.OkAsync("patch", "deployment", "web", "--type=json", "-p", """[{"op":"replace","path":"/spec/replicas","value":1}]""");
        var selected = await kubectl.OkAsync("get", "deployments", "-l", "tier in (frontend)", "-o", "name");

        Assert.Equal("deployment.apps/web", selected.Trim());
        var deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default").DefaultTimeout();
        Assert.Equal(1, deployment.Spec.Replicas);
    }

    public static TheoryData<string> KubectlVersions()
    {
        var data = new TheoryData<string>();
        foreach (var version in Support.Kubectl.VersionsBesidePath().Where(v => string.CompareOrdinal(v, "1.31") >= 0))
        {
            data.Add(version);
        }

        if (data.Count == 0)
        {
            // No versioned binaries: the test below then fails with a message naming what is missing.
            data.Add("1.31");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KubectlVersions))]
    public async Task VersionedKubectl_ApplyGetRolloutDelete_Work(string version)
    {
        var (cluster, kubectl) = await StartAsync(version);
        await using var _ = cluster;

        var applied = await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        var again = await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        var rollout = await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=20s");
        var pods = await kubectl.OkAsync("get", "pods", "-l", "app=web", "-o", "name");
        var deleted = await kubectl.OkAsync("delete", "deployment", "web", "--timeout=20s");

        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("deployment.apps/web unchanged", again.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("successfully rolled out", rollout, StringComparison.Ordinal);
        Assert.Equal(2, pods.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("deleted", deleted, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubectlVersions))]
    public async Task VersionedKubectl_ApplyWithUnservedKinds_AppliesTheOthersAndReportsEachAsARealServerDoes(string version)
    {
        var (cluster, kubectl) = await StartAsync(version);
        await using var _ = cluster;
        const string manifests = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: before}
            data: {x: "1"}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            ---
            apiVersion: v1
            kind: ReplicationController
            metadata: {name: rc}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: after}
            data: {x: "2"}
            """;

        var clientSide = await kubectl.RunWithStdinAsync(manifests, "apply", "-f", "-");
        var serverSide = await kubectl.RunWithStdinAsync(manifests, "apply", "--server-side", "-f", "-");
        var names = await kubectl.OkAsync("get", "configmaps", "-o", "name");

        Assert.Equal(1, clientSide.ExitCode);
        Assert.Contains("configmap/before created", clientSide.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("configmap/after created", clientSide.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("no matches for kind \"Widget\" in version \"example.com/v1\"", clientSide.StandardError, StringComparison.Ordinal);
        Assert.Contains("no matches for kind \"ReplicationController\" in version \"v1\"", clientSide.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("error validating", clientSide.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, serverSide.ExitCode);
        Assert.Contains("configmap/after serverside-applied", serverSide.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("no matches for kind \"Widget\" in version \"example.com/v1\"", serverSide.StandardError, StringComparison.Ordinal);
        Assert.Contains("configmap/before", names, StringComparison.Ordinal);
        Assert.Contains("configmap/after", names, StringComparison.Ordinal);
    }
}
