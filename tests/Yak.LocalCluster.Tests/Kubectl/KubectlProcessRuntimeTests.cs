using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Kubectl;

/// <summary>kubectl against the cluster with the real process runtime: pods are local processes.</summary>
public sealed class KubectlProcessRuntimeTests
{
    [Fact]
    public async Task RolloutStatusAndWait_ProcessPods_BecomeReadyAndRollOver()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);

        var applied = await kubectl.RunWithStdinAsync(Manifests.WebApp(), "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        var rollout = await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=25s");
        var wait = await kubectl.OkAsync("wait", "--for=condition=Ready", "pod", "-l", "app=web", "--timeout=25s");
        var before = await kubectl.OkAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}");

        var changed = await kubectl.RunWithStdinAsync(Manifests.WebApp(value: "2"), "apply", "-f", "-");
        Assert.True(changed.ExitCode == 0, changed.ToString());
        var rollover = await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=25s");
        var endpoints = await kubectl.OkAsync("get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}");

        Assert.Contains("successfully rolled out", rollout, StringComparison.Ordinal);
        Assert.Contains("condition met", wait, StringComparison.Ordinal);
        Assert.Contains("successfully rolled out", rollover, StringComparison.Ordinal);
        Assert.Equal(2, before.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.NotEmpty(endpoints.Trim());
    }
}
