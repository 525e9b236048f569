using k8s;
using Yak.Client;
using Yak.Kube.Watching;
using Yak.LocalCluster.Scheduling;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// Volumes stay where their disk is, on a local cluster whose nodes report zones and whose volumes are provisioned in
/// the zone of their first pod: after down/up the stateful service is pinned (node affinity plus the cluster's
/// tolerations) to its volume's zone, and its new pod runs there, though the scheduler would rather use the emptier zone.
/// </summary>
public sealed class EnvironmentVolumeZoneTests
{
    private static readonly NodeOptions[] TwoZones =
    [
        new("node-a") { Zone = "zone-a", Taints = [new NodeTaint("dedicated", "dev", "NoSchedule")] },
        new("node-b") { Zone = "zone-b", Taints = [new NodeTaint("dedicated", "dev", "NoSchedule")] },
    ];

    [Fact]
    public async Task DownUp_StatefulServiceWithAVolume_PinnedToTheVolumesZone()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null, nodes: TwoZones);
        env.WriteConfig($"owner: tester\nclusters:\n  - name: lab\n    kubeconfig: {env.Cluster.Host.KubeconfigPath}\n    context: yak-local\n    taints: [{{ key: dedicated, value: dev, effect: NoSchedule }}]\n");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: zoned\nservices:\n  store:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    volumes: [{ name: data, size: 1Gi, mountPath: /data }]\n");
        var up = (await env.UpAsync(configured: true).WaitAsync(EnvironmentFixture.UpBound)).Environment;
        Assert.Equal(EnvironmentState.Up, up.State);
        var first = await env.PodAsync(up.Namespace, "store");
        var claim = await env.Cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync($"data-{first.Metadata.Name}", up.Namespace).DefaultTimeout();
        var volume = await env.Cluster.Client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName).DefaultTimeout();
        var zone = volume.Metadata.Labels["topology.kubernetes.io/zone"];
        Assert.Equal(zone, (await env.Cluster.Client.CoreV1.ReadNodeAsync(first.Spec.NodeName).DefaultTimeout()).Metadata.Labels["topology.kubernetes.io/zone"]);

        await env.Client.InvokeAsync<EnvDownResponse>(Methods.EnvDown, new EnvDownRequest { Name = "zoned", SpecPath = string.Empty, Purge = false }, CancellationToken.None).DefaultTimeout();
        await NoPodsAsync(env.Cluster.Client, up.Namespace).DefaultTimeout();

        // Two pods on the volume's node: the scheduler would now pick the other zone for a pod free to go anywhere.
        var busy = first.Spec.NodeName;
        foreach (var name in new[] { "load-1", "load-2" })
        {
            await env.Cluster.Client.CoreV1.CreateNamespacedPodAsync(LoadPod(name, busy), "default").DefaultTimeout();
        }

        var again = (await env.UpAsync(configured: true).WaitAsync(EnvironmentFixture.UpBound)).Environment;

        Assert.Equal(EnvironmentState.Up, again.State);
        var set = await env.Cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("store", up.Namespace).DefaultTimeout();
        var requirement = Assert.Single(Assert.Single(set.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms).MatchExpressions);
        Assert.Equal(("topology.kubernetes.io/zone", "In", zone), (requirement.Key, requirement.OperatorProperty, Assert.Single(requirement.Values)));
        var toleration = Assert.Single(set.Spec.Template.Spec.Tolerations);
        Assert.Equal(("dedicated", "dev", "NoSchedule"), (toleration.Key, toleration.Value, toleration.Effect));
        var pod = await env.PodAsync(up.Namespace, "store");
        Assert.Equal(zone, (await env.Cluster.Client.CoreV1.ReadNodeAsync(pod.Spec.NodeName).DefaultTimeout()).Metadata.Labels["topology.kubernetes.io/zone"]);
    }

    /// <summary>Returns once the namespace has no pod (a watch from the list, never a poll).</summary>
    private static async Task NoPodsAsync(IKubernetes client, string ns)
    {
        var list = await client.CoreV1.ListNamespacedPodAsync(ns);
        var left = list.Items.Select(p => p.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        if (left.Count == 0)
        {
            return;
        }

        await foreach (var (type, pod) in WatchStream.WatchAsync<k8s.Models.V1Pod>(client, $"api/v1/namespaces/{ns}/pods", resourceVersion: list.Metadata.ResourceVersion))
        {
            if (type == WatchEventKind.Deleted)
            {
                left.Remove(pod.Metadata.Name);
            }
            else if (type == WatchEventKind.Added)
            {
                left.Add(pod.Metadata.Name);
            }

            if (left.Count == 0)
            {
                return;
            }
        }
    }

    private static k8s.Models.V1Pod LoadPod(string name, string node) => new()
    {
        Metadata = new k8s.Models.V1ObjectMeta { Name = name },
        Spec = new k8s.Models.V1PodSpec
        {
            NodeName = node,
            Tolerations = [new k8s.Models.V1Toleration { Key = "dedicated", OperatorProperty = "Exists" }],
            Containers = [new k8s.Models.V1Container { Name = "main", Image = "busybox", Command = ["sleep", "100000"] }],
        },
    };
}
