using k8s;
using k8s.Models;
using Yak.Daemon.Sync.Agent;
using Yak.Sync.Session;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Sync.Agent;

/// <summary>Selector endpoints re-pick a Ready pod at every reconnect, so sync follows a Deployment's pod replacement.</summary>
public sealed class SelectorConnectorTests
{
    [Fact]
    public async Task Flush_AfterPodReplaced_ReachesTheReplacement()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var template = LocalClusterFixture.SidecarPod("unused");
        var labels = new Dictionary<string, string> { ["yak.dev/service"] = "web" };
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "web" },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = template.Spec },
                },
            },
            "default").DefaultTimeout();
        var first = await cluster.WaitForReadyPodAsync("yak.dev/service=web", except: null);
        using var work = new TempDirectory("yak-selector-");
        var source = Path.Combine(work.Path, "src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "a.txt"), "one");
        var connector = PodExecAgentConnector.ForSelector(cluster.Connection, "default", "yak.dev/service=web", "yak-sync", "/code", new AgentInstaller(AgentBuilds.FromEnvironment()));

        await using var session = new SyncSession(new SyncSessionOptions { Name = "web", LocalRoot = source, StateDirectory = Path.Combine(work.Path, "state") }, connector);
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        Assert.Equal("one", File.ReadAllText(Path.Combine(cluster.VolumePath(first, "code"), "a.txt")));
        Assert.Equal(first.Metadata.Name, connector.CurrentPod);

        await cluster.Client.CoreV1.DeleteNamespacedPodAsync(first.Metadata.Name, "default", gracePeriodSeconds: 0).DefaultTimeout();
        var second = await cluster.WaitForReadyPodAsync("yak.dev/service=web", except: first.Metadata.Name);
        File.WriteAllText(Path.Combine(source, "b.txt"), "two");
        await session.FlushAsync().DefaultTimeout();

        Assert.Equal(second.Metadata.Name, connector.CurrentPod);
        var volume = cluster.VolumePath(second, "code");
        Assert.Equal("one", File.ReadAllText(Path.Combine(volume, "a.txt")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(volume, "b.txt")));
    }

    [Fact]
    public async Task Connect_NoMatchingPod_FailsWithSelectorInMessage()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var connector = PodExecAgentConnector.ForSelector(cluster.Connection, "default", "yak.dev/service=none", "yak-sync", "/code", new AgentInstaller(AgentBuilds.FromEnvironment()));

        var error = await Assert.ThrowsAsync<IOException>(() => connector.ConnectAsync(CancellationToken.None)).DefaultTimeout();

        Assert.Contains("yak.dev/service=none", error.Message, StringComparison.Ordinal);
        Assert.Contains("yak-sync container running", error.Message, StringComparison.Ordinal);
        Assert.Equal("selector:default/yak.dev/service=none/yak-sync:/code", connector.Description);
    }
}
