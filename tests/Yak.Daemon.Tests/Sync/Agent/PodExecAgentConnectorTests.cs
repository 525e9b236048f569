using System.Security.Cryptography;
using Yak.Daemon.Sync.Agent;
using Yak.Kube;
using Yak.Sync.Session;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Sync.Agent;

/// <summary>Sync into a pod's sidecar through exec, against the local cluster over real HTTP + WebSocket.</summary>
public sealed class PodExecAgentConnectorTests
{
    [Fact]
    public async Task Flush_ThroughExecIntoSidecar_ReplicatesTreeIntoPodVolume()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        using var work = new TempDirectory("yak-kube-src-");
        var source = Path.Combine(work.Path, "src");
        Directory.CreateDirectory(Path.Combine(source, "pkg"));
        File.WriteAllText(Path.Combine(source, "app.py"), "print('hello')\n");
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        File.WriteAllBytes(Path.Combine(source, "pkg", "data.bin"), big);
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("web"));
        var logs = new List<string>();
        var connector = new PodExecAgentConnector(cluster.Connection, "default", "web", container: null, "/code", new AgentInstaller(AgentBuilds.FromEnvironment()), line => { lock (logs) { logs.Add(line); } });

        await using (var session = new SyncSession(
            new SyncSessionOptions { Name = "web", LocalRoot = source, StateDirectory = Path.Combine(work.Path, "state"), Log = line => { lock (logs) { logs.Add(line); } } },
            connector) )
        {
            session.Start();
            try
            {
                await session.FlushAsync().WithTimeout(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                lock (logs)
                {
                    Assert.Fail($"flush timed out in state {session.State} ({session.GetStatus().LastError}); log:\n{string.Join('\n', logs)}");
                }
            }

            File.AppendAllText(Path.Combine(source, "app.py"), "print('again')\n");
            await session.FlushAsync().DefaultTimeout();

            var status = session.GetStatus();
            Assert.Null(status.LastError);
            Assert.Equal("pod:default/web:/code", status.Remote);
        }

        var volume = cluster.VolumePath(pod, "code");
        Assert.Equal("print('hello')\nprint('again')\n", File.ReadAllText(Path.Combine(volume, "app.py")));
        Assert.Equal(SHA256.HashData(big), SHA256.HashData(File.ReadAllBytes(Path.Combine(volume, "pkg", "data.bin"))));
    }

    [Fact]
    public async Task Connect_ClusterDown_SaysWhichContextAndWhatToTry()
    {
        KubeConnection connection;
        string kubeconfig;
        await using (var cluster = await LocalClusterFixture.StartAsync())
        {
            kubeconfig = File.ReadAllText(cluster.Host.KubeconfigPath);
        }

        using var work = new TempDirectory("yak-kube-down-");
        var path = Path.Combine(work.Path, "kubeconfig");
        File.WriteAllText(path, kubeconfig);
        connection = KubeClientFactory.Create(new KubeTarget(path, "yak-local"));
        var connector = new PodExecAgentConnector(connection, "default", "web", "yak-sync", "/code", new AgentInstaller(AgentBuilds.FromEnvironment()));

        var error = await Assert.ThrowsAsync<KubeConnectionException>(() => connector.ConnectAsync(CancellationToken.None)).DefaultTimeout();

        Assert.Contains("context 'yak-local'", error.Message, StringComparison.Ordinal);
        Assert.Contains("kubectl --context yak-local", error.Message, StringComparison.Ordinal);
        connection.Dispose();
    }
}
