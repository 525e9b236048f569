using k8s.Models;
using Yak.Kube.Environments;

namespace Yak.Kube.Tests.Environments;

public sealed class VolumeZonesTests
{
    [Fact]
    public void ZoneOf_NodeAffinityOnTheZone_ThatZone()
    {
        var volume = Volume(affinity: [("topology.kubernetes.io/zone", "In", ["eu-west-1b"])], labels: new() { ["topology.kubernetes.io/zone"] = "stale" });

        Assert.Equal("eu-west-1b", VolumeZones.ZoneOf(volume));
    }

    [Fact]
    public void ZoneOf_OlderVolumeWithOnlyTheBetaLabel_ThatZone()
    {
        var volume = Volume(affinity: [], labels: new() { ["failure-domain.beta.kubernetes.io/zone"] = "us-east-1a" });

        Assert.Equal("us-east-1a", VolumeZones.ZoneOf(volume));
    }

    [Fact]
    public void ZoneOf_PinnedToAHostOrToSeveralZones_NoZone()
    {
        Assert.Null(VolumeZones.ZoneOf(Volume(affinity: [("kubernetes.io/hostname", "In", ["node-1"])], labels: [])));
        Assert.Null(VolumeZones.ZoneOf(Volume(affinity: [("topology.kubernetes.io/zone", "In", ["a", "b"])], labels: [])));
        Assert.Null(VolumeZones.ZoneOf(new V1PersistentVolume()));
    }

    private static V1PersistentVolume Volume((string Key, string Operator, string[] Values)[] affinity, Dictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = "pvc-1", Labels = labels },
        Spec = new V1PersistentVolumeSpec
        {
            NodeAffinity = affinity.Length == 0 ? null : new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [.. affinity.Select(a => new V1NodeSelectorRequirement { Key = a.Key, OperatorProperty = a.Operator, Values = a.Values })] }],
                },
            },
        },
    };
}
