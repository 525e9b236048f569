using Yak.Testing;

namespace Yak.LocalCluster.Tests.Runtime;

public sealed class RestartPolicyTests
{
    [Fact]
    public async Task RunPod_CrashingContainerAlways_RestartsWithBackoffAndCrashLoopBackOff()
    {
        await using var node = new RuntimeHarness();
        await node.RunAsync(TestPods.Pod("crash", TestPods.Shell("app", "echo boom; exit 3")));

        var status = await node.WaitForAsync("crash", s =>
            s.ContainerStatuses?.FirstOrDefault() is { RestartCount: >= 2, State.Waiting.Reason: "CrashLoopBackOff" });

        var container = status.ContainerStatuses![0];
        Assert.Equal(3, container.LastState.Terminated.ExitCode);
        Assert.Equal("Error", container.LastState.Terminated.Reason);
        Assert.Contains("back-off", container.State.Waiting.Message, StringComparison.Ordinal);
        Assert.Equal("Running", status.Phase);
        Assert.False(container.Ready);
    }

    [Fact]
    public async Task RunPod_OnFailureExitZero_Succeeded()
    {
        await using var node = new RuntimeHarness();
        var pod = TestPods.Pod("done", TestPods.Shell("app", "exit 0"));
        pod.Spec.RestartPolicy = "OnFailure";
        await node.RunAsync(pod);

        var status = await node.WaitForAsync("done", s => s.Phase == "Succeeded");

        Assert.Equal(0, status.ContainerStatuses![0].RestartCount);
        Assert.Equal("Completed", status.ContainerStatuses[0].State.Terminated.Reason);
    }

    [Fact]
    public async Task RunPod_NeverNonZeroExit_FailedWithExitCode()
    {
        await using var node = new RuntimeHarness();
        var pod = TestPods.Pod("failed", TestPods.Shell("app", "exit 7"));
        pod.Spec.RestartPolicy = "Never";
        await node.RunAsync(pod);

        var status = await node.WaitForAsync("failed", s => s.Phase == "Failed");

        Assert.Equal(7, status.ContainerStatuses![0].State.Terminated.ExitCode);
    }

    [Fact]
    public async Task StopPod_ProcessIgnoresSigterm_KilledAfterGracePeriod()
    {
        await using var node = new RuntimeHarness();
        var pod = TestPods.Pod("stubborn", TestPods.Shell("app", "trap '' TERM; echo up; while true; do sleep 1; done"));
        await node.RunAsync(pod);
        await node.WaitReadyAsync("stubborn");
        var process = node.Runtime.Find(pod.Metadata.Uid)!.Containers[0].Process!;

        await node.Runtime.StopPodAsync(pod.Metadata.Uid, TimeSpan.FromMilliseconds(300), CancellationToken.None).DefaultTimeout();

        Assert.True(process.HasExited);
        Assert.Null(node.Runtime.Find(pod.Metadata.Uid));
    }

    [Fact]
    public async Task KillContainer_RunningContainer_RestartsIt()
    {
        await using var node = new RuntimeHarness();
        await node.RunAsync(TestPods.Pod("victim", TestPods.Shell("app", "exec sleep 1000")));
        await node.WaitReadyAsync("victim");

        Assert.True(node.Runtime.KillContainer("default", "victim", "app"));
        var status = await node.WaitForAsync("victim", s => s.ContainerStatuses?.FirstOrDefault() is { RestartCount: 1, Ready: true });

        Assert.Equal(137, status.ContainerStatuses![0].LastState.Terminated.ExitCode);
    }

    [Fact]
    public async Task RunPod_InitContainer_RunsToCompletionBeforeContainers()
    {
        await using var node = new RuntimeHarness();
        var marker = Path.Combine(node.StateDirectory, "init-done");
        var pod = TestPods.Pod("with-init", TestPods.Shell("app", $"test -f {marker} && exec sleep 1000; exit 9"));
        pod.Spec.InitContainers = [TestPods.Shell("init", $"touch {marker}")];

        await node.RunAsync(pod);
        var status = await node.WaitReadyAsync("with-init");

        Assert.Equal(0, status.ContainerStatuses![0].RestartCount);
        Assert.Equal("Completed", status.InitContainerStatuses![0].State.Terminated.Reason);
        Assert.Equal("True", status.Conditions!.Single(c => c.Type == "Initialized").Status);
    }

    [Fact]
    public void BackoffDelay_KubeletDefaults_TenSecondsDoublingCappedAtFiveMinutes()
    {
        var delays = Enumerable.Range(0, 7).Select(n => Yak.LocalCluster.Runtime.ContainerRunner.BackoffDelay(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), n).TotalSeconds);

        Assert.Equal([10, 20, 40, 80, 160, 300, 300], delays);
    }
}
