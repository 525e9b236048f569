using k8s.Models;
using Yak.Kube.Environments;
using Yak.Kube.Pods;

namespace Yak.Kube.Tests.Environments;

/// <summary>
/// Reading a pod's status into a reason (pure logic: the states the local cluster cannot produce, such as an
/// OOM kill or a claim the scheduler waits for, written as a kubelet and a scheduler report them).
/// </summary>
public sealed class RolloutDiagnosisTests
{
    [Fact]
    public void Diagnose_LastTerminatedOomKilled_OutOfMemoryWithLogsOfThatContainer()
    {
        var pod = Pod(Status("app", waiting: "CrashLoopBackOff", lastTerminated: ("OOMKilled", 137), restarts: 3));

        var problem = RolloutDiagnosis.Diagnose(pod, "app");

        Assert.NotNull(problem);
        Assert.Equal(StuckReason.OutOfMemory, problem.Reason);
        Assert.Equal("pod web-1: container app was killed for using more memory than its limit (OOMKilled, exit code 137), restarted 3 times", problem.Message);
        Assert.Equal("app", problem.LogsOf);
    }

    [Fact]
    public void Diagnose_RunningAgainAfterAnOomKill_NotStuck()
    {
        var status = Status("app", waiting: null, lastTerminated: ("OOMKilled", 137), restarts: 1);
        status.State = new V1ContainerState { Running = new V1ContainerStateRunning() };

        Assert.Null(RolloutDiagnosis.Diagnose(Pod(status), "app"));
    }

    [Fact]
    public void Diagnose_CrashLoopWithError_CrashLoopNotOom()
    {
        var problem = RolloutDiagnosis.Diagnose(Pod(Status("app", waiting: "CrashLoopBackOff", lastTerminated: ("Error", 2), restarts: 1)), "app");

        Assert.Equal(StuckReason.CrashLoop, problem?.Reason);
        Assert.Equal("pod web-1: container app keeps crashing (exit code 2), restarted once", problem?.Message);
    }

    [Fact]
    public void Diagnose_SchedulerWaitsForUnboundClaim_ClaimPendingNamingTheClaim()
    {
        var pod = Pod();
        pod.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data-db-0" } }];
        pod.Status.Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims." }];

        var problem = RolloutDiagnosis.Diagnose(pod, "app");

        Assert.Equal(StuckReason.ClaimPending, problem?.Reason);
        Assert.Equal("pod web-1 waits for its volume claim: 0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. (claims: data-db-0)", problem?.Message);
    }

    [Fact]
    public void Diagnose_InsufficientCpu_UnschedulableWithTheSchedulersReason()
    {
        var pod = Pod();
        pod.Status.Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available: 3 Insufficient cpu." }];

        var problem = RolloutDiagnosis.Diagnose(pod, "app");

        Assert.Equal(StuckReason.Unschedulable, problem?.Reason);
        Assert.Equal("pod web-1 cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu.", problem?.Message);
    }

    [Fact]
    public void Diagnose_SidecarImageCannotBePulled_AgentDelivery()
    {
        var pod = Pod(Status(PodPicker.SidecarContainerName, waiting: "ImagePullBackOff"), Status("app", waiting: null));
        pod.Status.ContainerStatuses[1].State = new V1ContainerState { Running = new V1ContainerStateRunning() };

        var problem = RolloutDiagnosis.Diagnose(pod, "app");

        Assert.Equal(StuckReason.AgentDelivery, problem?.Reason);
        Assert.Contains("container yak-sync cannot pull image", problem?.Message, StringComparison.Ordinal);
        Assert.EndsWith("(the sync sidecar: the agent cannot run)", problem?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pods \"web-5d8f-x\" is forbidden: exceeded quota: compute, requested: limits.memory=2Gi, used: limits.memory=3Gi, limited: limits.memory=4Gi", StuckReason.QuotaExceeded)]
    [InlineData("pods \"web-5d8f-x\" is forbidden: error looking up service account dev/builder: serviceaccount \"builder\" not found", StuckReason.Forbidden)]
    [InlineData("Internal error occurred: failed calling webhook", StuckReason.CannotStart)]
    public void CreateRefused_ReplicaFailureMessage_ReasonFromTheApiServersWords(string message, StuckReason reason)
    {
        var problem = RolloutDiagnosis.CreateRefused("web", message);

        Assert.Equal(reason, problem.Reason);
        Assert.StartsWith("web: ", problem.Message, StringComparison.Ordinal);
        Assert.EndsWith(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_WithoutExplainCrashLooping_StuckFromTheStatusAlone()
    {
        // A status read does not explain (no log request), yet must not call a crash loop "rolling out" while the
        // environment says degraded because of it. Without explain the client is never called.
        var workload = new WorkloadRef("web", WorkloadType.Deployment, "dev", "web", "app=web", "app");
        var status = new WorkloadStatus(Generation: 1, Observed: 1, Desired: 1, Ready: 0, Updated: 1, Current: 1, RevisionsMatch: true, ReplicaFailure: null);
        var pod = Pod(Status("app", waiting: "CrashLoopBackOff", lastTerminated: ("Error", 3), restarts: 2));

        var rollout = await RolloutWatcher.EvaluateAsync(client: null!, workload, status, [pod], explain: false, CancellationToken.None);

        Assert.Equal(RolloutState.Stuck, rollout.State);
        Assert.Equal(StuckReason.CrashLoop, rollout.Reason);
        Assert.Equal("pod web-1: container app keeps crashing (exit code 3), restarted 2 times", rollout.Message);
    }

    private static V1Pod Pod(params V1ContainerStatus[] statuses) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "dev" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app" }] },
        Status = new V1PodStatus { Phase = "Pending", ContainerStatuses = statuses, Conditions = [] },
    };

    private static V1ContainerStatus Status(string name, string? waiting, (string Reason, int Code)? lastTerminated = null, int restarts = 0) => new()
    {
        Name = name,
        Image = "example/" + name,
        RestartCount = restarts,
        State = waiting is null ? new V1ContainerState() : new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = waiting } },
        LastState = lastTerminated is { } t ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = t.Reason, ExitCode = t.Code } } : null,
    };
}
