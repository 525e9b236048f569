using k8s.Models;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Runtime;

public sealed class ProbeTests
{
    [Fact]
    public async Task ReadinessProbe_TcpSocketNotListening_NotReadyUntilListening()
    {
        await using var node = new RuntimeHarness();
        var app = TestPods.Shell("app", "while [ ! -f /tmp/yak-go-$(POD_UID) ]; do sleep 0.1; done; exec python3 -m http.server 8081 --bind 127.0.0.1");
        var pod = TestPods.Pod("tcp", app);
        app.Env = [new V1EnvVar { Name = "POD_UID", Value = pod.Metadata.Uid }];
        app.ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8081 }, PeriodSeconds = 1 };

        await node.RunAsync(pod);
        var running = await node.WaitForAsync("tcp", s => s.Phase == "Running");
        Assert.False(running.ContainerStatuses![0].Ready);
        Assert.Equal("False", running.Conditions!.Single(c => c.Type == "Ready").Status);

        await File.WriteAllTextAsync($"/tmp/yak-go-{pod.Metadata.Uid}", "go").DefaultTimeout();
        try
        {
            var ready = await node.WaitReadyAsync("tcp");
            Assert.True(ready.ContainerStatuses![0].Ready);
            Assert.Equal("True", ready.Conditions!.Single(c => c.Type == "ContainersReady").Status);
        }
        finally
        {
            File.Delete($"/tmp/yak-go-{pod.Metadata.Uid}");
        }
    }

    [Fact]
    public async Task ReadinessProbe_ExecFailsAfterSuccess_BecomesNotReady()
    {
        await using var node = new RuntimeHarness();
        var app = TestPods.Shell("app", "touch /tmp/yak-ready-$(POD_UID); exec sleep 1000");
        var pod = TestPods.Pod("exec-probe", app);
        app.Env = [new V1EnvVar { Name = "POD_UID", Value = pod.Metadata.Uid }];
        app.ReadinessProbe = new V1Probe
        {
            Exec = new V1ExecAction { Command = ["test", "-f", $"/tmp/yak-ready-{pod.Metadata.Uid}"] },
            PeriodSeconds = 1,
            FailureThreshold = 1,
        };

        await node.RunAsync(pod);
        await node.WaitReadyAsync("exec-probe");
        File.Delete($"/tmp/yak-ready-{pod.Metadata.Uid}");

        var status = await node.WaitForAsync("exec-probe", s => s.ContainerStatuses?.FirstOrDefault()?.Ready == false);
        Assert.Equal("Running", status.Phase);
    }

    [Fact]
    public async Task LivenessProbe_HttpGetFails_ContainerRestarted()
    {
        await using var node = new RuntimeHarness();
        var app = TestPods.Shell("app", "exec python3 -m http.server 8082 --bind 127.0.0.1 --directory /");
        app.LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 8082, Path = "/no-such-file" }, PeriodSeconds = 1, FailureThreshold = 1, InitialDelaySeconds = 0 };
        app.ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 8082, Path = "/" }, PeriodSeconds = 1 };

        await node.RunAsync(TestPods.Pod("live", app));

        var status = await node.WaitForAsync("live", s => s.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 1);
        Assert.Equal(137, status.ContainerStatuses![0].LastState.Terminated.ExitCode);
    }

    [Fact]
    public async Task StartupProbe_NotYetSucceeded_HoldsReadinessBack()
    {
        await using var node = new RuntimeHarness();
        var marker = Path.Combine(node.StateDirectory, "started");
        var app = TestPods.Shell("app", "exec sleep 1000");
        app.StartupProbe = new V1Probe { Exec = new V1ExecAction { Command = ["test", "-f", marker] }, PeriodSeconds = 1, FailureThreshold = 1000 };
        await node.RunAsync(TestPods.Pod("slow-start", app));

        var running = await node.WaitForAsync("slow-start", s => s.Phase == "Running");
        Assert.False(running.ContainerStatuses![0].Ready);
        await File.WriteAllTextAsync(marker, "ok").DefaultTimeout();

        var ready = await node.WaitReadyAsync("slow-start");
        Assert.Equal(0, ready.ContainerStatuses![0].RestartCount);
    }
}
