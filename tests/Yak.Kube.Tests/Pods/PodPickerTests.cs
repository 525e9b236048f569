using k8s.Models;
using Yak.Kube.Pods;

namespace Yak.Kube.Tests.Pods;

public sealed class PodPickerTests
{
    private static V1Pod Pod(string name, int minutesOld, bool ready = true, bool terminating = false, string phase = "Running") => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            CreationTimestamp = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc).AddMinutes(-minutesOld),
            DeletionTimestamp = terminating ? new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc) : null,
        },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
        },
    };

    [Fact]
    public void Pick_SeveralReady_NewestWins()
    {
        var picked = PodPicker.Pick([Pod("old", 10), Pod("new", 1), Pod("mid", 5)], PodPolicy.Ready);

        Assert.Equal("new", picked?.Metadata.Name);
    }

    [Fact]
    public void Pick_NewestNotReadyOrTerminating_ReadyOlderOneWins()
    {
        var picked = PodPicker.Pick([Pod("old", 10), Pod("starting", 0, ready: false), Pod("leaving", 1, terminating: true)], PodPolicy.Ready);

        Assert.Equal("old", picked?.Metadata.Name);
    }

    [Fact]
    public void Pick_NoneServing_NullAndReasonListsPods()
    {
        var pods = new[] { Pod("a", 1, ready: false, phase: "Pending"), Pod("b", 2, terminating: true) };

        Assert.Null(PodPicker.Pick(pods, PodPolicy.Ready));
        Assert.Equal("no Ready pod for svc/web (a: Pending, b: Terminating)", PodPicker.DescribeNone(pods, "svc/web"));
        Assert.Equal("no pods match app=web", PodPicker.DescribeNone([], "app=web"));
    }
}
