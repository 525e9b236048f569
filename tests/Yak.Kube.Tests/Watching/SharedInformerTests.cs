using k8s;
using k8s.Models;
using Yak.Kube.Watching;
using Yak.LocalCluster.Hosting;
using Yak.Testing;

namespace Yak.Kube.Tests.Watching;

/// <summary>The shared list/watch against the local cluster, whose watch semantics (resourceVersion, 410, timeouts) are real.</summary>
public sealed class SharedInformerTests
{
    [Fact]
    public async Task Subscribe_AfterSync_GetsCurrentSetThenEveryChange()
    {
        await using var cluster = await Cluster.StartAsync();
        await cluster.CreateAsync("before");
        await using var informer = new SharedInformer<V1ConfigMap>(cluster.ConfigMaps(), cluster.Client, "default");
        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).DefaultTimeout();
        var seen = new Updates();
        using var subscription = informer.Subscribe(seen.Add);

        await seen.WaitForAsync(u => u.Items.Any(m => m.Metadata.Name == "before"));
        await cluster.CreateAsync("after");
        var added = await seen.WaitForAsync(u => u.Changes.Any(c => c.Kind == ChangeKind.Added && c.Object.Metadata.Name == "after"));
        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("before", "default").DefaultTimeout();
        var deleted = await seen.WaitForAsync(u => u.Changes.Any(c => c.Kind == ChangeKind.Deleted && c.Object.Metadata.Name == "before"));

        Assert.Equal(["after", "before"], added.Items.Select(m => m.Metadata.Name).Order());
        Assert.Equal(["after"], deleted.Items.Select(m => m.Metadata.Name));
        Assert.True(deleted.Synced);
        Assert.Null(deleted.Problem);
        Assert.Equal(1, informer.Lists);
    }

    [Fact]
    public async Task Watch_ServerEndsIt_ResumesFromResourceVersionWithoutRelisting()
    {
        await using var cluster = await Cluster.StartAsync();
        var watches = new WatchCounter();
        var kind = cluster.ConfigMaps(watches.Count);
        await using var informer = new SharedInformer<V1ConfigMap>(kind, cluster.Client, "default", new InformerOptions { WatchTimeout = TimeSpan.FromSeconds(1) });
        var seen = new Updates();
        using var subscription = informer.Subscribe(seen.Add);
        informer.Start();

        await watches.WaitForAsync(2); // the server ended the first watch (timeoutSeconds=1) and the informer watched again
        await cluster.CreateAsync("later");
        await seen.WaitForAsync(u => u.Items.Any(m => m.Metadata.Name == "later"));

        Assert.Equal(1, informer.Lists);
        Assert.Equal(watches.Versions[0], watches.Versions[1]);
    }

    [Fact]
    public async Task Watch_ResourceVersionExpired_RelistsAndSubscribersSeeTheServersSet()
    {
        await using var cluster = await Cluster.StartAsync(historyCapacity: 3);
        for (var i = 0; i < 6; i++)
        {
            await cluster.CreateAsync($"m{i}");
        }

        // The first watch starts from a version the server has forgotten: it must answer 410 and the informer relist.
        var watches = new WatchCounter();
        var kind = cluster.ConfigMaps(watches.Count, firstVersion: "1");
        await using var informer = new SharedInformer<V1ConfigMap>(kind, cluster.Client, "default");
        var seen = new Updates();
        using var subscription = informer.Subscribe(seen.Add);
        informer.Start();

        await watches.WaitForAsync(2);
        var relisted = await seen.WaitForAsync(_ => informer.Lists >= 2);
        await cluster.CreateAsync("fresh");
        var latest = await seen.WaitForAsync(u => u.Items.Any(m => m.Metadata.Name == "fresh"));

        Assert.Equal(6, relisted.Items.Count);
        Assert.Equal(7, latest.Items.Count);
        Assert.DoesNotContain(seen.All, u => u.Problem is not null); // 410 is routine, not an API failure
    }

    [Fact]
    public async Task Kick_ListsAfresh()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var informer = new SharedInformer<V1ConfigMap>(cluster.ConfigMaps(), cluster.Client, "default");
        var seen = new Updates();
        using var subscription = informer.Subscribe(seen.Add);
        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).DefaultTimeout();

        informer.Kick();

        await seen.WaitForAsync(_ => informer.Lists >= 2);
    }

    [Fact]
    public async Task Pods_TwoUsersOfOneNamespace_ShareOneInformerUntilBothLetGo()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var informers = new KubeInformers(cluster.Client);

        var first = informers.Pods("default");
        var second = informers.Pods("default");
        var other = informers.Pods("kube-system");

        Assert.Same(first.Informer, second.Informer);
        Assert.NotSame(first.Informer, other.Informer);
        Assert.Equal(2, informers.Count);
        await first.Informer.WaitForSyncAsync(CancellationToken.None).DefaultTimeout();
        await first.DisposeAsync().DefaultTimeout();
        await first.DisposeAsync().DefaultTimeout(); // a second dispose of one lease changes nothing
        Assert.Equal(2, informers.Count);
        await second.DisposeAsync().DefaultTimeout();
        Assert.Equal(1, informers.Count);
        await other.DisposeAsync().DefaultTimeout();
        Assert.Equal(0, informers.Count);
    }

    /// <summary>Collects updates and lets a test wait (bounded) for one that satisfies a condition.</summary>
    private sealed class Updates
    {
        private readonly Lock gate = new();
        private readonly List<(Func<InformerUpdate<V1ConfigMap>, bool> Condition, TaskCompletionSource<InformerUpdate<V1ConfigMap>> Done)> waiters = [];
        private readonly List<InformerUpdate<V1ConfigMap>> all = [];
        private InformerUpdate<V1ConfigMap>? last;

        public IReadOnlyList<InformerUpdate<V1ConfigMap>> All
        {
            get
            {
                lock (gate)
                {
                    return [.. all];
                }
            }
        }

        public void Add(InformerUpdate<V1ConfigMap> update)
        {
            List<(Func<InformerUpdate<V1ConfigMap>, bool>, TaskCompletionSource<InformerUpdate<V1ConfigMap>> Done)> met;
            lock (gate)
            {
                all.Add(update);
                last = update;
                met = waiters.Where(w => w.Condition(update)).ToList();
                waiters.RemoveAll(w => met.Contains(w));
            }

            foreach (var (_, done) in met)
            {
                done.TrySetResult(update);
            }
        }

        public Task<InformerUpdate<V1ConfigMap>> WaitForAsync(Func<InformerUpdate<V1ConfigMap>, bool> condition)
        {
            var done = new TaskCompletionSource<InformerUpdate<V1ConfigMap>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                if (last is not null && condition(last))
                {
                    return Task.FromResult(last);
                }

                waiters.Add((condition, done));
            }

            return done.Task.DefaultTimeout();
        }
    }

    /// <summary>Counts watch requests (with the version each resumed from) and lets a test wait for the nth.</summary>
    private sealed class WatchCounter
    {
        private readonly Lock gate = new();
        private readonly List<(int Count, TaskCompletionSource Done)> waiters = [];

        public List<string> Versions { get; } = [];

        public void Count(string version)
        {
            List<TaskCompletionSource> met;
            lock (gate)
            {
                Versions.Add(version);
                met = waiters.Where(w => Versions.Count >= w.Count).Select(w => w.Done).ToList();
                waiters.RemoveAll(w => Versions.Count >= w.Count);
            }

            met.ForEach(d => d.TrySetResult());
        }

        public Task WaitForAsync(int count)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                if (Versions.Count >= count)
                {
                    return Task.CompletedTask;
                }

                waiters.Add((count, done));
            }

            return done.Task.DefaultTimeout();
        }
    }

    /// <summary>A local cluster with a chosen watch history, and config maps as a kind that starts no processes.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private readonly TempDirectory state;
        private readonly LocalClusterHost host;

        private Cluster(TempDirectory state, LocalClusterHost host, KubeConnection connection)
        {
            this.state = state;
            this.host = host;
            Connection = connection;
        }

        public KubeConnection Connection { get; }

        public IKubernetes Client => Connection.Client;

        public static async Task<Cluster> StartAsync(int historyCapacity = 2000)
        {
            var state = new TempDirectory("yak-informer-");
            var host = await LocalClusterHost.StartAsync(new LocalClusterOptions { StateDirectory = state.Path, WatchHistoryCapacity = historyCapacity }).DefaultTimeout();
            return new Cluster(state, host, KubeClientFactory.Create(new KubeTarget(host.KubeconfigPath, "yak-local")));
        }

        public Task CreateAsync(string name) =>
            Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["k"] = name } }, "default").DefaultTimeout();

        /// <param name="watched">Told the version every watch starts from.</param>
        /// <param name="firstVersion">Replaces the version of the first watch (to start from one the server forgot).</param>
        public ResourceKind<V1ConfigMap> ConfigMaps(Action<string>? watched = null, string? firstVersion = null)
        {
            var first = true;
            return new ResourceKind<V1ConfigMap>(
                "configmaps",
                async (client, ns, ct) =>
                {
                    var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns, cancellationToken: ct);
                    return (list.Items, list.Metadata?.ResourceVersion ?? string.Empty);
                },
                (client, ns, version, timeout, onError, ct) =>
                {
                    if (first && firstVersion is not null)
                    {
                        version = firstVersion;
                    }

                    first = false;
                    watched?.Invoke(version);
                    return WatchStream.WatchAsync<V1ConfigMap>(client, $"api/v1/namespaces/{ns}/configmaps", version, timeout, allowBookmarks: true, onError: onError, cancellationToken: ct);
                });
        }

        public async ValueTask DisposeAsync()
        {
            Connection.Dispose();
            await host.DisposeAsync();
            state.Dispose();
        }
    }
}
