using k8s.Models;
using Yak.Kube.Capacity;

namespace Yak.Kube.Tests;

public sealed class ClusterRoomTests
{
    [Fact]
    public void FreeFractionOf_PodsRequestingOnTwoNodes_TheScarcerResourceCounts()
    {
        V1Node[] nodes = [Node("a", "4", "8Gi"), Node("b", "4", "8Gi"), Node("cordoned", "64", "256Gi", unschedulable: true)];
        V1Pod[] pods =
        [
            Pod("a", "Running", ("2", "1Gi")),
            Pod("b", "Running", ("1", "7Gi"), ("500m", "1Gi")),
            Pod("b", "Succeeded", ("4", "8Gi")),
            Pod(null, "Pending", ("4", "8Gi")),
        ];

        var free = ClusterRoom.FreeFractionOf(nodes, pods);

        // CPU: 3.5 of 8 used; memory: 9Gi of 16Gi used, the scarcer: 7/16 free.
        Assert.Equal(7 / 16.0, free!.Value, 6);
    }

    [Fact]
    public void FreeFractionOf_NoAllocatableKnown_IsUnknown()
    {
        Assert.Null(ClusterRoom.FreeFractionOf([], []));
    }

    private static V1Node Node(string name, string cpu, string memory, bool unschedulable = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { Unschedulable = unschedulable },
        Status = new V1NodeStatus { Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) } },
    };

    private static V1Pod Pod(string? node, string phase, params (string Cpu, string Memory)[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p" },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers = [.. containers.Select((c, i) => new V1Container
            {
                Name = $"c{i}",
                Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(c.Cpu), ["memory"] = new(c.Memory) } },
            })],
        },
        Status = new V1PodStatus { Phase = phase },
    };
}
