using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests;

/// <summary>Sync and forwards recover by themselves from dropped streams and an API server that stops answering.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task SyncAndForward_ApiServerDownTenSecondsAndStreamsDropped_RecoverByThemselves()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var labels = new Dictionary<string, string> { ["app"] = "code" };
        var template = LocalClusterFixture.SidecarPod("unused");
        template.Spec.Containers[0].Image = "python";
        template.Spec.Containers[0].Command = ["python3", "-m", "http.server", "8080", "--directory", "/code"];
        template.Spec.Containers[0].ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8080 }, PeriodSeconds = 1 };
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "code" },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = template.Spec },
                },
            },
            "default").DefaultTimeout();
        await cluster.WaitForReadyPodAsync("app=code", except: null);
        using var sandbox = new YakSandbox();
        var source = Path.Combine(sandbox.Root, "src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "page.txt"), "before");
        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        await using var client = await daemon.ConnectAsync().DefaultTimeout();
        await client.CreateSyncAsync(
            new SyncCreateRequest
            {
                Name = "code",
                LocalPath = source,
                Endpoint = "selector:default/app=code/yak-sync:/code",
                Excludes = [],
                Kubeconfig = cluster.Host.KubeconfigPath,
                Context = "yak-local",
            },
            CancellationToken.None).DefaultTimeout();
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();
        var forward = await client.AddForwardAsync(
            new ForwardAddRequest
            {
                Name = "code",
                Namespace = "default",
                Target = "app=code",
                LocalPort = 0,
                RemotePort = 8080,
                Kubeconfig = cluster.Host.KubeconfigPath,
                Context = "yak-local",
                Environment = string.Empty,
            },
            CancellationToken.None).DefaultTimeout();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = $"http://127.0.0.1:{forward.LocalPort}/page.txt";
        Assert.Equal("before", await http.GetStringAsync(url).DefaultTimeout());

        // The API server refuses every request for 10 s, and every open stream (the sync link, watches) is cut.
        using var admin = cluster.Host.Access.CreateHttpClient();
        (await admin.PostAsJsonAsync("/local-cluster/faults/unresponsive", new { seconds = 10, mode = "refuse" }).DefaultTimeout()).EnsureSuccessStatusCode();
        (await admin.PostAsync("/local-cluster/faults/drop-streams", null).DefaultTimeout()).EnsureSuccessStatusCode();
        File.WriteAllText(Path.Combine(source, "page.txt"), "after");

        // Nobody intervenes: the flush completes once the cluster answers again, and the forward serves again.
        var flushed = Assert.Single(await client.FlushSyncAsync("code", CancellationToken.None).WithTimeout(TimeSpan.FromSeconds(60)));
        Assert.NotEqual(SyncSessionState.Error, flushed.State);
        Assert.NotNull(flushed.LastError); // the outage is remembered for status, even after recovery
        Assert.Equal("after", await GetWithRetriesAsync(http, url).WithTimeout(TimeSpan.FromSeconds(60)));
        var listed = Assert.Single(await client.ListForwardsAsync(CancellationToken.None).DefaultTimeout());
        Assert.Equal(forward.LocalPort, listed.LocalPort);
    }

    /// <summary>A client retrying, as a browser would: each attempt is a fresh connection through the same local port.</summary>
    private static async Task<string> GetWithRetriesAsync(HttpClient http, string url)
    {
        while (true)
        {
            try
            {
                return await http.GetStringAsync(url);
            }
            catch (HttpRequestException)
            {
                // The forward resets connections it cannot serve yet; retry like a user reloading the page.
            }
            catch (TaskCanceledException)
            {
            }
        }
    }
}
