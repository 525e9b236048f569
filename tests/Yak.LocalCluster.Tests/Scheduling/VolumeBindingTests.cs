using k8s;
using k8s.Models;
using Yak.LocalCluster.Scheduling;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Scheduling;

/// <summary>Claims provisioned where their first pod lands, and later pods kept in the volume's zone.</summary>
public sealed class VolumeBindingTests
{
    private static readonly NodeOptions[] TwoZones = [new("node-a") { Zone = "zone-a" }, new("node-b") { Zone = "zone-b" }];

    [Fact]
    public async Task Schedule_PodWithUnboundClaim_ProvisionsAVolumeInItsNodesZoneAndBindsIt()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: TwoZones);
        await cluster.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), "default").DefaultTimeout();

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("first", "data", zone: "zone-b"), "default").DefaultTimeout();
        var pod = await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("first", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();
        var claim = await cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", "default").DefaultTimeout();
        var volume = await cluster.Client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName).DefaultTimeout();

        Assert.Equal("node-b", pod.Spec.NodeName);
        Assert.Equal(("Bound", "pvc-" + claim.Metadata.Uid), (claim.Status.Phase, claim.Spec.VolumeName));
        Assert.Equal(("Bound", "data", "default"), (volume.Status.Phase, volume.Spec.ClaimRef.Name, volume.Spec.ClaimRef.NamespaceProperty));
        var requirement = Assert.Single(Assert.Single(volume.Spec.NodeAffinity.Required.NodeSelectorTerms).MatchExpressions);
        Assert.Equal(("topology.kubernetes.io/zone", "In", "zone-b"), (requirement.Key, requirement.OperatorProperty, Assert.Single(requirement.Values)));
        Assert.Equal("zone-b", volume.Metadata.Labels["topology.kubernetes.io/zone"]);
    }

    [Fact]
    public async Task Schedule_PodOfABoundClaimAskingForAnotherZone_UnschedulableWithVolumeAffinityConflict()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: TwoZones);
        await cluster.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), "default").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("first", "data", zone: "zone-a"), "default").DefaultTimeout();
        await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("first", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("elsewhere", "data", zone: "zone-b"), "default").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("anywhere", "data", zone: null), "default").DefaultTimeout();
        var refused = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("elsewhere", "default"),
            p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true,
            "unschedulable").DefaultTimeout();
        var anywhere = await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("anywhere", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();

        var message = refused.Status.Conditions.Single(c => c.Type == "PodScheduled").Message;
        Assert.Contains("1 node(s) had volume node affinity conflict", message, StringComparison.Ordinal);
        Assert.Contains("1 node(s) didn't match Pod's node affinity/selector", message, StringComparison.Ordinal);

        // With no wish of its own, a pod of the claim goes where the volume is, although the other node is emptier.
        Assert.Equal("node-a", anywhere.Spec.NodeName);
    }

    [Fact]
    public async Task DeleteClaim_ProvisionedVolume_DeletedWithIt()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: TwoZones);
        await cluster.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), "default").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("first", "data", zone: null), "default").DefaultTimeout();
        await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("first", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();
        var volumeName = (await cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", "default").DefaultTimeout()).Spec.VolumeName;

        await cluster.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", "default").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("other"), "default").DefaultTimeout();
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("second", "other", zone: null), "default").DefaultTimeout();
        await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("second", "default"), p => p.Spec.NodeName is not null, "binding").DefaultTimeout();

        var volumes = await cluster.Client.CoreV1.ListPersistentVolumeAsync().DefaultTimeout();
        Assert.DoesNotContain(volumes.Items, v => v.Metadata.Name == volumeName);
        Assert.Single(volumes.Items);
    }

    private static V1PersistentVolumeClaim Claim(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
        },
    };

    private static V1Pod Pod(string name, string claim, string? zone) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeSelector = zone is null ? null : new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = zone },
            Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["sleep", "3600"], VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }] }],
            Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }],
        },
    };
}
