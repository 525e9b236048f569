using System.Security.Cryptography;
using k8s.Models;
using Yak.Forwarding.Tests.Support;
using Yak.Testing;

namespace Yak.Forwarding.Tests;

/// <summary>A forward serves what runs in the pod (which is reachable no other way: its own network namespace).</summary>
public sealed class PortForwardServingTests
{
    [Fact]
    public async Task PortForward_PodRunningHttpServer_ServesHttpOnLocalhost()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        var site = Directory.CreateTempSubdirectory("yak-site-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(site.FullName, "hello.txt"), "hello from the pod");
            var spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "web",
                        Image = "python:3.12",
                        Command = ["python3", "-m", "http.server", "8080", "--bind", "127.0.0.1", "--directory", site.FullName],
                        ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8080 }, PeriodSeconds = 1 },
                    },
                ],
            };
            await cluster.CreateReadyPodAsync("web", spec);
            await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "web"), RemotePort = 8080 });
            await forward.StartAsync().DefaultTimeout();
            await forward.WaitListeningAsync();

            using var http = new HttpClient();
            var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{forward.LocalPort}/hello.txt")).DefaultTimeout();
            var status = await forward.WaitForAsync(s => s.OpenConnections == 0, "the connection to close");

            Assert.Equal("hello from the pod", body);
            Assert.Equal(ForwardState.Listening, status.State);
            Assert.Equal("web", status.TargetPod);
            Assert.Equal(1, status.TotalConnections);
            Assert.True(status.BytesIn > body.Length, $"bytes in: {status.BytesIn}");
            Assert.True(status.BytesOut > 0, $"bytes out: {status.BytesOut}");
        }
        finally
        {
            site.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PortForward_TenMegabytesEachWay_EchoedIntactAndEndsAfterHalfClose()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        await cluster.CreateReadyPodAsync("echo", ForwardTestCluster.EchoSpec());
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "echo"), RemotePort = EchoServer.Port, HalfCloseIdleTimeout = TimeSpan.FromSeconds(1) });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();
        var payload = RandomNumberGenerator.GetBytes(10 * 1024 * 1024);

        using var socket = await LocalClient.ConnectAsync(forward.LocalPort);
        var echoed = await LocalClient.EchoAsync(socket, payload);

        Assert.Equal(payload.Length, echoed.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
        var status = await forward.WaitForAsync(s => s.OpenConnections == 0, "the connection to close");
        Assert.Equal(payload.Length, status.BytesOut);
        Assert.Equal(payload.Length, status.BytesIn);
        Assert.Equal(0, status.FailedConnections);
    }

    [Fact]
    public async Task PortForward_SlowReaderAfterHalfClose_GetsTheWholeAnswer()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        await cluster.CreateReadyPodAsync("echo", ForwardTestCluster.EchoSpec());
        // Long enough that a loaded machine's scheduling stall in the pod or the cluster's relay is not pod silence (a
        // 300 ms idle truncated the answer once in a full CI run).
        var idle = TimeSpan.FromSeconds(1);
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "echo"), RemotePort = EchoServer.Port, HalfCloseIdleTimeout = idle });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();
        var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        using var socket = await LocalClient.ConnectAsync(forward.LocalPort);
        socket.ReceiveBufferSize = 64 * 1024;

        var sending = Task.Run(async () =>
        {
            await socket.SendAsync(payload).DefaultTimeout();
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        });

        // The scenario, not a synchronization: a client that stops reading for longer than the idle timeout. Only the
        // pod's silence may end the stream, never a slow local reader.
        await Task.Delay(idle * 3);
        var echoed = await LocalClient.ReadToEndAsync(socket);
        await sending.DefaultTimeout();

        Assert.Equal(payload.Length, echoed.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }
}
