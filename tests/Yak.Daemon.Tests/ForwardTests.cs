using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using StreamJsonRpc;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests;

/// <summary>Forwards owned by yakd, against the local cluster: across pod replacement and daemon restarts.</summary>
public sealed class ForwardTests
{
    private static readonly Dictionary<string, string> WebLabels = new() { ["app"] = "web" };

    [Fact]
    public async Task Forward_ToService_ServesAcrossPodReplacementAndDaemonKill()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await CreateWebAsync(cluster.Client);
        var first = await cluster.WaitForReadyPodAsync("app=web", except: null);
        using var sandbox = new YakSandbox();
        var daemon = await DaemonProcess.StartAsync(sandbox);
        using var http = new HttpClient { Timeout = TaskTimeoutExtensions.DefaultTimeoutSpan };
        try
        {
            int port;
            await using (var client = await daemon.ConnectAsync().DefaultTimeout())
            {
                var forward = await client.AddForwardAsync(Request("svc/web", 0, 80, cluster), CancellationToken.None).DefaultTimeout();
                port = forward.LocalPort;
                Assert.NotEqual(0, port);
                Assert.Equal("ok from " + first.Metadata.Name, await http.GetStringAsync($"http://127.0.0.1:{port}/who").DefaultTimeout());

                // The pod goes; its replacement takes over on the same local port.
                var targetChanged = WaitForEventAsync(client, "targetChanged");
                await cluster.Client.CoreV1.DeleteNamespacedPodAsync(first.Metadata.Name, "default", gracePeriodSeconds: 0).DefaultTimeout();
                var second = await cluster.WaitForReadyPodAsync("app=web", except: first.Metadata.Name);
                await targetChanged.DefaultTimeout();
                Assert.Equal("ok from " + second.Metadata.Name, await http.GetStringAsync($"http://127.0.0.1:{port}/who").DefaultTimeout());
                var listed = Assert.Single(await client.ListForwardsAsync(CancellationToken.None).DefaultTimeout());
                Assert.Equal(ForwardSessionState.Listening, listed.State);
                Assert.Equal(port, listed.LocalPort);
                Assert.True(listed.TotalConnections >= 2);
            }

            // yakd killed: at the next start the forward listens again on the same port.
            daemon.KillHard();
            await daemon.WaitForExitAsync().DefaultTimeout();
            await daemon.DisposeAsync();
            daemon = await DaemonProcess.StartAsync(sandbox);
            Assert.StartsWith("ok from web-", await http.GetStringAsync($"http://127.0.0.1:{port}/who").DefaultTimeout(), StringComparison.Ordinal);
            await using (var client = await daemon.ConnectAsync().DefaultTimeout())
            {
                Assert.Equal(1, (await client.StatusAsync(CancellationToken.None).DefaultTimeout()).Sessions.Forwards);
                await client.RemoveForwardAsync(Assert.Single(await client.ListForwardsAsync(CancellationToken.None)).Name, CancellationToken.None).DefaultTimeout();
            }

            // Removing frees the port.
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }

    [Fact]
    public async Task Add_LocalPortTaken_FailsWithThePortInTheMessage()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen(1);
        var taken = ((IPEndPoint)holder.LocalEndPoint!).Port;
        await using var client = await daemon.ConnectAsync().DefaultTimeout();

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => client.AddForwardAsync(Request("svc/web", taken, 80, cluster), CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ErrorCodes.InvalidArgument, error.ErrorCode);
        Assert.Contains(taken.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Empty(await client.ListForwardsAsync(CancellationToken.None).DefaultTimeout());
    }

    [Theory]
    [InlineData("deploy/web", "unknown kind")]
    [InlineData("app=", "key=value")]
    [InlineData("svc/", "not a forward target")]
    public async Task Add_BadTarget_IsRefused(string target, string expected)
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        await using var client = await daemon.ConnectAsync().DefaultTimeout();

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => client.AddForwardAsync(Request(target, 0, 80, cluster), CancellationToken.None)).DefaultTimeout();

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ForwardAddRequest Request(string target, int local, int remote, LocalClusterFixture cluster) => new()
    {
        Name = string.Empty,
        Namespace = "default",
        Target = target,
        LocalPort = local,
        RemotePort = remote,
        Kubeconfig = cluster.Host.KubeconfigPath,
        Context = "yak-local",
        Environment = string.Empty,
    };

    private static Task WaitForEventAsync(DaemonClient client, string kind)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.EventReceived += (_, e) =>
        {
            if (e.Topic == EventTopics.Forward && e.Kind == kind)
            {
                seen.TrySetResult();
            }
        };
        return client.SubscribeAsync([EventTopics.Forward], CancellationToken.None).ContinueWith(_ => seen.Task, TaskScheduler.Default).Unwrap();
    }

    /// <summary>A Deployment whose pods answer "ok from POD" on 8080, and a Service web:80 → 8080.</summary>
    private static async Task CreateWebAsync(IKubernetes client)
    {
        const string Server = """
            import http.server, os
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ("ok from " + os.environ["HOSTNAME"]).encode()
                    self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H).serve_forever()
            """;
        await client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "web" },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = WebLabels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = WebLabels },
                        Spec = new V1PodSpec
                        {
                            Containers =
                            [
                                new V1Container
                                {
                                    Name = "web",
                                    Image = "python",
                                    Command = ["python3", "-c", Server],
                                    Ports = [new V1ContainerPort { ContainerPort = 8080 }],
                                    ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8080 }, PeriodSeconds = 1 },
                                },
                            ],
                        },
                    },
                },
            },
            "default").DefaultTimeout();
        await client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "web" },
                Spec = new V1ServiceSpec { Selector = WebLabels, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] },
            },
            "default").DefaultTimeout();
    }
}
