using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Yak.Kube.Environments;
using Yak.Kube.Watching;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Kube.Tests.Environments;

/// <summary>Rollouts read from the shared informers of a namespace, against the local cluster.</summary>
public sealed class RolloutSourceTests
{
    [Fact]
    public async Task SnapshotAsync_TwoUsersManyPasses_OneListAndWatchPerKind()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var counter = new RequestCounter();
        using var client = new KubeClient(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Host.KubeconfigPath), counter);
        await using var informers = new KubeInformers(client);
        await ManifestApplier.ApplyAsync(cluster.Client, Objects("shared"), CancellationToken.None).DefaultTimeout();

        // The rollout tracking of an environment and its status, each asking many times, while an up waits on the rollout.
        await using var tracking = new RolloutSource(client, informers, "shared");
        await using var status = new RolloutSource(client, informers, "shared");
        await tracking.SnapshotAsync([Workload("shared")], explain: true, CancellationToken.None).DefaultTimeout();
        await RolloutWatcher.WaitAsync(client, informers, "shared", [Workload("shared")], _ => { }, CancellationToken.None).DefaultTimeout();
        var states = new List<RolloutState>();
        for (var i = 0; i < 10; i++)
        {
            states.Add(Assert.Single(await tracking.SnapshotAsync([Workload("shared")], explain: true, CancellationToken.None).DefaultTimeout()).State);
            states.Add(Assert.Single(await status.SnapshotAsync([Workload("shared")], explain: false, CancellationToken.None).DefaultTimeout()).State);
        }

        Assert.All(states, s => Assert.Equal(RolloutState.Ready, s));
        Assert.Equal(2, informers.Count);

        // Pods and deployments were listed and watched once for all three users; the passes asked nothing more.
        Assert.Equal(1, counter.Count("GET", "/api/v1/namespaces/shared/pods", watch: false));
        Assert.Equal(1, counter.Count("GET", "/apis/apps/v1/namespaces/shared/deployments", watch: false));
        Assert.Equal(1, counter.Count("GET", "/api/v1/namespaces/shared/pods", watch: true));
        Assert.Equal(1, counter.Count("GET", "/apis/apps/v1/namespaces/shared/deployments", watch: true));
        Assert.Equal(4, counter.Total);
    }

    [Fact]
    public async Task SnapshotAsync_CacheOlderThanTheApply_RollingOutNotReady()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await using var informers = new KubeInformers(cluster.Client);
        var applied = await ManifestApplier.ApplyAsync(cluster.Client, Objects("fenced"), CancellationToken.None).DefaultTimeout();
        await RolloutWatcher.WaitAsync(cluster.Client, informers, "fenced", [Workload("fenced")], _ => { }, CancellationToken.None).DefaultTimeout();
        await using var source = new RolloutSource(cluster.Client, informers, "fenced");
        var deployment = applied.Single(a => a.Kind == "Deployment");
        Assert.NotNull(deployment.Generation);

        // As if an apply had just written a generation the informer has not delivered yet.
        source.Fence([deployment with { Generation = deployment.Generation + 1 }]);
        var behind = Assert.Single(await source.SnapshotAsync([Workload("fenced")], explain: true, CancellationToken.None).DefaultTimeout());
        source.Fence([deployment]);
        var caughtUp = Assert.Single(await source.SnapshotAsync([Workload("fenced")], explain: true, CancellationToken.None).DefaultTimeout());

        Assert.Equal(RolloutState.RollingOut, behind.State);
        Assert.Equal(RolloutState.Ready, caughtUp.State);
    }

    [Fact]
    public async Task SnapshotAsync_WorkloadNotApplied_PendingNotDeployed()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await using var informers = new KubeInformers(cluster.Client);
        await using var source = new RolloutSource(cluster.Client, informers, "default");

        var rollout = Assert.Single(await source.SnapshotAsync([Workload("default")], explain: true, CancellationToken.None).DefaultTimeout());

        Assert.Equal(RolloutState.Pending, rollout.State);
        Assert.Equal("not deployed", rollout.Message);
    }

    private static WorkloadRef Workload(string ns) => new("app", WorkloadType.Deployment, ns, "app", "yak.dev/service=app", "app");

    private static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects(string ns)
    {
        var labels = new Dictionary<string, string> { ["yak.dev/service"] = "app" };
        return
        [
            new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } },
            new V1Deployment
            {
                ApiVersion = "apps/v1",
                Kind = "Deployment",
                Metadata = new V1ObjectMeta { Name = "app", NamespaceProperty = ns, Labels = labels },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox", Command = ["sh", "-c", "exec sleep 100000"] }] },
                    },
                },
            },
        ];
    }

    /// <summary>Counts the requests a client sends, by method, path and whether they watch.</summary>
    private sealed class RequestCounter : DelegatingHandler
    {
        private readonly ConcurrentQueue<(string Method, string Path, bool Watch)> sent = new();

        public int Total => sent.Count;

        public int Count(string method, string path, bool watch) =>
            sent.Count(r => r.Method == method && r.Path == path && r.Watch == watch);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            sent.Enqueue((request.Method.Method, uri.AbsolutePath, uri.Query.Contains("watch=true", StringComparison.Ordinal)));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
