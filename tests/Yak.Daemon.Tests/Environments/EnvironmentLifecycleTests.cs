using k8s;
using k8s.Models;
using StreamJsonRpc;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Environments;

/// <summary>Environments across daemon restarts, updates and cluster placement.</summary>
public sealed class EnvironmentLifecycleTests
{
    [Fact]
    public async Task Up_DaemonKilledAndRestarted_ReconnectsWithoutApplyingAndKeepsSyncing()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;
        var web = await env.PodAsync(info.Namespace, "web");
        var deployment = (await env.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", info.Namespace).DefaultTimeout()).Metadata.ResourceVersion;

        await env.RestartDaemonAsync();

        var status = Assert.Single((await env.Client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = "shop", SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout()).Environments);
        Assert.Equal(EnvironmentState.Up, status.State);
        Assert.All(status.Services, s => Assert.Equal(ServiceState.Ready, s.State));
        Assert.Equal(deployment, (await env.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", info.Namespace).DefaultTimeout()).Metadata.ResourceVersion);
        var session = Assert.Single(Assert.Single(status.Services, s => s.Name == "web").Syncs).Session;
        File.WriteAllText(Path.Combine(env.Folder, "web", "index.html"), "after restart");
        await env.Client.FlushSyncAsync(session, CancellationToken.None).DefaultTimeout();
        Assert.Equal("after restart", File.ReadAllText(Path.Combine(env.Cluster.VolumePath(web, "yak-sync-0"), "index.html")));
    }

    [Fact]
    public async Task Restart_SpecNoLongerLoads_ListedInErrorNamingTheFileAndYakdServes()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        var spec = Path.Combine(env.Folder, "yak.yaml");
        File.WriteAllText(spec, "name: broken\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n");
        Assert.Equal(EnvironmentState.Up, (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment.State);
        File.WriteAllText(spec, "name: broken\nservices:\n  app:\n    image: [busybox\n");

        await env.RestartDaemonAsync();
        var listed = Assert.Single((await env.Client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = string.Empty, SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout()).Environments);

        Assert.Equal("broken", listed.Name);
        Assert.Equal(EnvironmentState.Error, listed.State);
        Assert.Contains("spec cannot be loaded", listed.LastError, StringComparison.Ordinal);
        Assert.Contains("yak.yaml:", listed.LastError, StringComparison.Ordinal);
        Assert.Contains("yakctl up", listed.LastError, StringComparison.Ordinal);
        Assert.NotNull(await env.Client.StatusAsync(CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task Up_SpecNamesAgentBaseImage_SidecarRunsItAndSyncs()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        Directory.CreateDirectory(Path.Combine(env.Folder, "code"));
        File.WriteAllText(Path.Combine(env.Folder, "code", "hello.txt"), "from the laptop");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: based\nagent:\n  baseImage: busybox\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    sync:\n      - { from: ./code, to: /code, initialSync: true }\n");

        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;

        Assert.Equal(EnvironmentState.Up, info.State);
        var deployment = await env.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", info.Namespace).DefaultTimeout();
        Assert.Equal("busybox", deployment.Spec.Template.Spec.Containers.Single(c => c.Name == "yak-sync").Image);
        var pod = await env.PodAsync(info.Namespace, "app");
        Assert.Equal("from the laptop", File.ReadAllText(Path.Combine(env.Cluster.VolumePath(pod, "yak-sync-0"), "hello.txt")));
    }

    [Fact]
    public async Task Update_OneService_RollsANewPodThatGetsTheCode()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;
        var oldWeb = await env.PodAsync(info.Namespace, "web");
        var oldStore = await env.PodAsync(info.Namespace, "store");

        var updated = await env.Client.InvokeAsync<EnvUpdateResponse>(
            Methods.EnvUpdate,
            new EnvUpdateRequest { Name = "shop", SpecPath = string.Empty, Services = ["web"], TimeoutSeconds = 120 },
            CancellationToken.None).WaitAsync(EnvironmentFixture.UpBound);

        Assert.Equal(EnvironmentState.Up, updated.Environment.State);
        var newWeb = await env.WaitForReadyPodAsync(info.Namespace, "web", p => p.Metadata.Uid != oldWeb.Metadata.Uid).DefaultTimeout();
        Assert.Equal(oldStore.Metadata.Uid, (await env.PodAsync(info.Namespace, "store")).Metadata.Uid);
        Assert.Equal(
            File.ReadAllText(Path.Combine(env.Folder, "web", "server.py")),
            File.ReadAllText(Path.Combine(env.Cluster.VolumePath(newWeb, "yak-sync-0"), "server.py")));
        using var http = new HttpClient();
        Assert.Contains("Welcome to the yak shop", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_TwoConfiguredClusters_GoesWhereTheClustersThemselvesHaveMostRoom()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        await using var other = await LocalClusterFixture.StartAsync();
        // The fixture's cluster is busy: a pod of someone else requests most of its node's CPU.
        var node = Assert.Single((await env.Cluster.Client.CoreV1.ListNodeAsync().DefaultTimeout()).Items);
        var millicores = (long)(node.Status.Allocatable["cpu"].ToDecimal() * 1000 * 0.7m);
        await env.Cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "hog" },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container
                {
                    Name = "hog",
                    Image = "busybox",
                    Command = ["sleep", "100000"],
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new($"{millicores}m") } },
                }],
            },
        }, "default").DefaultTimeout();
        env.WriteConfig(
            $"owner: tester\nclusters:\n" +
            $"  - name: busy\n    kubeconfig: {env.Cluster.Host.KubeconfigPath}\n    context: yak-local\n    capacity: 5\n" +
            $"  - name: idle\n    kubeconfig: {other.Host.KubeconfigPath}\n    context: yak-local\n    capacity: 2\n");
        foreach (var name in new[] { "first", "second" })
        {
            Directory.CreateDirectory(Path.Combine(env.Folder, name));
            File.WriteAllText(Path.Combine(env.Folder, name, "yak.yaml"), $"name: {name}\nservices:\n  app:\n    image: busybox\n    command: [sleep, \"100000\"]\n");
        }

        // Most free CPU and memory: the idle cluster, although this laptop has placed nothing anywhere yet.
        var first = await env.UpAsync(Path.Combine(env.Folder, "first"), configured: true).WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal("idle", first.Environment.Cluster);

        // Another user's environment fills the idle cluster (capacity 2): counted there, not in this laptop's registry.
        await other.Client.CoreV1.CreateNamespaceAsync(new V1Namespace
        {
            Metadata = new V1ObjectMeta { Name = "someone-else-shop", Labels = new Dictionary<string, string> { ["yak.dev/environment"] = "shop", ["yak.dev/owner"] = "someone-else" } },
        }).DefaultTimeout();
        var second = await env.UpAsync(Path.Combine(env.Folder, "second"), configured: true).WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal("busy", second.Environment.Cluster);
    }

    [Fact]
    public async Task Up_ConfiguredClusterWithCapacityOne_PlacesTheFirstAndRefusesTheSecond()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        env.WriteConfig($"owner: tester\nclusters:\n  - name: lab\n    kubeconfig: {env.Cluster.Host.KubeconfigPath}\n    context: yak-local\n    capacity: 1\n");
        foreach (var name in new[] { "one", "two" })
        {
            Directory.CreateDirectory(Path.Combine(env.Folder, name));
            File.WriteAllText(Path.Combine(env.Folder, name, "yak.yaml"), $"name: {name}\nservices:\n  app:\n    image: busybox\n    command: [sleep, \"100000\"]\n");
        }

        var first = await env.UpAsync(Path.Combine(env.Folder, "one"), configured: true).WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal("lab", first.Environment.Cluster);
        Assert.Equal(EnvironmentState.Up, first.Environment.State);

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => env.UpAsync(Path.Combine(env.Folder, "two"), configured: true)).DefaultTimeout();
        Assert.Contains("lab: 1/1", error.Message, StringComparison.Ordinal);

        // The first stays where it was placed, even when asked again.
        Assert.Equal("lab", (await env.UpAsync(Path.Combine(env.Folder, "one"), configured: true).WaitAsync(EnvironmentFixture.UpBound)).Environment.Cluster);
    }
}
