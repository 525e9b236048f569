using System.Net;
using System.Net.Sockets;
using Yak.Forwarding.Tests.Support;
using Yak.Testing;

namespace Yak.Forwarding.Tests;

/// <summary>Binding, stopping, and connections that cannot be served.</summary>
public sealed class PortForwardLifecycleTests
{
    [Fact]
    public async Task StartAsync_LocalPortInUse_ThrowsNamingPortAndHolder()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "web"), RemotePort = 80, LocalPort = port });

        var error = await Assert.ThrowsAsync<PortInUseException>(() => forward.StartAsync());

        Assert.Equal(port, error.Port);
        Assert.Contains($"local port {port}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        Assert.Equal(ForwardState.Error, forward.State);
        Assert.Equal(error.Message, forward.GetStatus().Reason);
        Assert.Equal(ForwardProblem.LocalPortUnavailable, forward.GetStatus().ReasonKind);
    }

    [Fact]
    public async Task StopAsync_OpenConnection_ClientResetAndPortReleased()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        await cluster.CreateReadyPodAsync("echo", ForwardTestCluster.EchoSpec());
        var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "echo"), RemotePort = EchoServer.Port });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();
        var port = forward.LocalPort;
        using var open = await LocalClient.ConnectAsync(port);
        await open.SendAsync("ping"u8.ToArray()).DefaultTimeout();
        Assert.Equal(4, await open.ReceiveAsync(new byte[4]).DefaultTimeout());

        await forward.DisposeAsync().DefaultTimeout();
        await PortForwardReplacementTests.AssertEndsAsync(open);

        Assert.Equal(ForwardState.Stopped, forward.State);
        using var rebind = new TcpListener(IPAddress.Loopback, port);
        rebind.Start();
    }

    [Fact]
    public async Task PortForward_NoPodMatches_DegradedAndClientResetRatherThanHung()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions
        {
            Target = ForwardTarget.Selector("default", new Dictionary<string, string> { ["app"] = "nothing" }),
            RemotePort = 8080,
            ConnectBudget = TimeSpan.FromMilliseconds(500),
        });
        await forward.StartAsync().DefaultTimeout();
        var degraded = await forward.WaitForAsync(s => s.Reason?.StartsWith("no pods match", StringComparison.Ordinal) == true, "the forward to say why");

        using var client = await LocalClient.ConnectAsync(forward.LocalPort);
        var error = await Assert.ThrowsAsync<SocketException>(() => LocalClient.ReadToEndAsync(client));
        var status = await forward.WaitForAsync(s => s.FailedConnections == 1 && s.OpenConnections == 0, "the connection to be refused");

        Assert.Equal(ForwardState.Degraded, degraded.State);
        Assert.Equal("no pods match app=nothing", degraded.Reason);
        Assert.Equal(ForwardProblem.NoReadyPod, degraded.ReasonKind);
        Assert.Equal(ForwardProblem.NoReadyPod, status.LastErrorKind);
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        Assert.Null(status.TargetPod);
    }

    [Fact]
    public async Task PortForward_NothingListensOnRemotePort_ClientResetWithPodError()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        await cluster.CreateReadyPodAsync("echo", ForwardTestCluster.EchoSpec());
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions
        {
            Target = ForwardTarget.Pod("default", "echo"),
            RemotePort = 9,
            ConnectBudget = TimeSpan.FromSeconds(3),
        });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();

        using var client = await LocalClient.ConnectAsync(forward.LocalPort);
        await client.SendAsync("hello"u8.ToArray()).DefaultTimeout();
        var error = await Assert.ThrowsAsync<SocketException>(() => LocalClient.ReadToEndAsync(client));
        var status = await forward.WaitForAsync(s => s.FailedConnections == 1 && s.OpenConnections == 0, "the connection to be refused");

        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        Assert.Contains("error forwarding port 9", status.LastError, StringComparison.Ordinal);
        Assert.Equal(ForwardProblem.RemoteRefused, status.LastErrorKind);
    }
}
