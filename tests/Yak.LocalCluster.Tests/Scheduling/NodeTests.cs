using k8s;
using k8s.Models;
using Yak.LocalCluster.Scheduling;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Scheduling;

/// <summary>Node objects and the scheduler, through KubernetesClient and the real kubectl.</summary>
public sealed class NodeTests
{
    private static readonly NodeOptions[] ThreeZones =
    [
        new("node-a") { Zone = "zone-a" },
        new("node-b") { Zone = "zone-b" },
        new("node-c") { Zone = "zone-c", Taints = [new NodeTaint("dedicated", "dev", "NoSchedule")] },
    ];

    [Fact]
    public async Task Nodes_DefaultCluster_OneReadyNodeWithZoneAndHostCapacity()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);

        var nodes = await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ListNodeAsync(), l => l.Items.Count == 1, "the node").DefaultTimeout();
        var table = await kubectl.OkAsync("get", "nodes");
        var describe = await kubectl.OkAsync("describe", "node", "yak-local");

        var node = nodes.Items.Single();
        Assert.Equal("yak-local", node.Metadata.Name);
        Assert.Equal("local-a", node.Metadata.Labels["topology.kubernetes.io/zone"]);
        Assert.Equal("local", node.Metadata.Labels["topology.kubernetes.io/region"]);
        Assert.Equal("True", node.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal(Environment.ProcessorCount, (int)node.Status.Allocatable["cpu"].ToDecimal());
        Assert.Equal(110, (int)node.Status.Allocatable["pods"].ToDecimal());
        Assert.True(node.Status.Capacity["memory"].ToDecimal() > 0);
        Assert.Matches(@"yak-local\s+Ready\s+<none>", table);
        Assert.Contains("topology.kubernetes.io/zone=local-a", describe, StringComparison.Ordinal);
        Assert.Contains("Allocatable:", describe, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_NodeSelectorOnZone_PodBoundToTheNodeInThatZone()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: ThreeZones);

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("in-b", nodeSelector: new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-b" }), "default").DefaultTimeout();
        var pod = await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("in-b", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();

        Assert.Equal("node-b", pod.Spec.NodeName);
    }

    [Fact]
    public async Task Schedule_RequiredNodeAffinity_PodBoundToAMatchingNode()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: ThreeZones);
        var pod = Pod("affine");
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm
                        {
                            MatchExpressions = [new V1NodeSelectorRequirement { Key = "topology.kubernetes.io/zone", OperatorProperty = "In", Values = ["zone-c", "zone-a"] }],
                        },
                    ],
                },
            },
        };

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, "default").DefaultTimeout();
        var bound = await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("affine", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();

        // node-c is in an allowed zone but tainted: only node-a fits.
        Assert.Equal("node-a", bound.Spec.NodeName);
    }

    [Fact]
    public async Task Schedule_NoNodeFits_PendingUnschedulableWithTheSchedulersMessage()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: ThreeZones);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("in-c", nodeSelector: new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-c" }), "default").DefaultTimeout();
        var pod = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("in-c", "default"),
            p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true,
            "Unschedulable").DefaultTimeout();
        var describe = await kubectl.OkAsync("describe", "pod", "in-c");

        const string expected = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: dev}, 2 node(s) didn't match Pod's node affinity/selector. " +
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Null(pod.Spec.NodeName);
        Assert.Equal(expected, pod.Status.Conditions.Single(c => c.Type == "PodScheduled").Message);
        Assert.Contains("FailedScheduling", describe, StringComparison.Ordinal);
        Assert.Empty(cluster.Runtime.Running);
    }

    [Fact]
    public async Task Schedule_TolerationForTheTaint_PodBoundToTheTaintedNode()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: ThreeZones);
        var pod = Pod("tolerant", nodeSelector: new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-c" });
        pod.Spec.Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "dev", Effect = "NoSchedule" }];

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, "default").DefaultTimeout();
        var bound = await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("tolerant", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();

        Assert.Equal("node-c", bound.Spec.NodeName);
    }

    private static V1Pod Pod(string name, IDictionary<string, string>? nodeSelector = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeSelector = nodeSelector,
            Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["sleep", "3600"] }],
        },
    };
}
