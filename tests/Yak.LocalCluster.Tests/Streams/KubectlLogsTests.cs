using System.Diagnostics;
using k8s;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>The real kubectl logs against the node's log endpoint.</summary>
public sealed class KubectlLogsTests
{
    [Theory]
    [MemberData(nameof(Kubectl.Versions), MemberType = typeof(Kubectl))]
    public async Task KubectlLogsFollow_LinesAppendedLater_StreamedUntilContainerExits(string version)
    {
        await using var host = await StreamTestHost.StartAsync();
        var trigger = Path.Combine(host.StateDirectory, "go");
        var pod = TestPods.Pod("klogs", TestPods.Shell("app", $"echo first; while [ ! -f {trigger} ]; do sleep 0.05; done; echo second"));
        pod.Spec.RestartPolicy = "Never";
        await host.RunReadyAsync(pod);

        using var kubectl = Process.Start(Kubectl.StartInfo(version, host.WriteKubeconfig(), "logs", "-f", "klogs"))!;
        try
        {
            Assert.Equal("first", await kubectl.StandardOutput.ReadLineAsync().DefaultTimeout());
            await File.WriteAllTextAsync(trigger, "go").DefaultTimeout();
            Assert.Equal("second", await kubectl.StandardOutput.ReadLineAsync().DefaultTimeout());

            // The container ends, so does the follow.
            Assert.Null(await kubectl.StandardOutput.ReadLineAsync().DefaultTimeout());
            await kubectl.WaitForExitAsync().DefaultTimeout();
            Assert.Equal(0, kubectl.ExitCode);
        }
        finally
        {
            if (!kubectl.HasExited)
            {
                kubectl.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kubectl.Versions), MemberType = typeof(Kubectl))]
    public async Task KubectlLogsPrevious_AfterRestart_ShowsEarlierRun(string version)
    {
        await using var host = await StreamTestHost.StartAsync();
        var counter = Path.Combine(host.StateDirectory, "count");
        var pod = TestPods.Pod("kprev", TestPods.Shell("app", $"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; echo \"run $n\"; [ $n -ge 2 ] && exec sleep 1000; exit 1"));
        await host.RunAsync(pod);
        await host.Status.WaitForAsync("kprev", s => s.ContainerStatuses?.FirstOrDefault() is { RestartCount: 1, Ready: true });
        var kubeconfig = host.WriteKubeconfig();
        await using (var follow = await host.Client.CoreV1.ReadNamespacedPodLogAsync("kprev", "default", follow: true).DefaultTimeout())
        {
            await ExecTests.ReadUntilAsync(follow, "run 2\n");
        }

        var previous = await Kubectl.RunAsync(version, kubeconfig, null, "logs", "kprev", "--previous");
        var tail = await Kubectl.RunAsync(version, kubeconfig, null, "logs", "kprev", "--tail=1", "--timestamps");

        Assert.True(previous.ExitCode == 0, Kubectl.Describe(previous));
        Assert.Equal("run 1\n", previous.Stdout);
        Assert.EndsWith(" run 2\n", tail.Stdout, StringComparison.Ordinal);
    }
}
