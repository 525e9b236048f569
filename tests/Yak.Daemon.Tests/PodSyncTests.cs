using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests;

/// <summary>yakd syncing into a pod's sidecar on the local cluster: RPC → session → exec over WebSocket → yak-agent.</summary>
public sealed class PodSyncTests
{
    [Fact]
    public async Task Create_PodEndpoint_FlushReplicatesIntoSidecarVolumeAndSurvivesDaemonRestart()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("web"));
        using var sandbox = new YakSandbox();
        var source = Path.Combine(sandbox.Root, "src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "index.html"), "<h1>v1</h1>");
        var daemon = await DaemonProcess.StartAsync(sandbox);
        try
        {
            await using (var client = await daemon.ConnectAsync().DefaultTimeout())
            {
                var created = await client.CreateSyncAsync(
                    new SyncCreateRequest
                    {
                        Name = "web",
                        LocalPath = source,
                        Endpoint = "pod:default/web:/code",
                        Excludes = [],
                        Kubeconfig = cluster.Host.KubeconfigPath,
                        Context = "yak-local",
                    },
                    CancellationToken.None).DefaultTimeout();
                Assert.Equal("pod:default/web:/code", created.Endpoint);
                var flushed = Assert.Single(await client.FlushSyncAsync("web", CancellationToken.None).DefaultTimeout());
                Assert.Null(flushed.LastError);

                // A pod's link is compressed; a few bytes never leave the ladder's first level.
                Assert.Equal(1, flushed.LinkCompressionLevel);
            }

            var volume = cluster.VolumePath(pod, "code");
            Assert.Equal("<h1>v1</h1>", File.ReadAllText(Path.Combine(volume, "index.html")));

            // yakd killed and started again: the session resumes against the same pod and only the edit moves.
            daemon.KillHard();
            await daemon.WaitForExitAsync().DefaultTimeout();
            await daemon.DisposeAsync();
            File.WriteAllText(Path.Combine(source, "index.html"), "<h1>v2</h1>");
            daemon = await DaemonProcess.StartAsync(sandbox);
            await using (var client = await daemon.ConnectAsync().DefaultTimeout())
            {
                var status = Assert.Single(await client.FlushSyncAsync("web", CancellationToken.None).DefaultTimeout());
                Assert.Equal(1, status.FilesSent);
            }

            Assert.Equal("<h1>v2</h1>", File.ReadAllText(Path.Combine(volume, "index.html")));
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }
}
