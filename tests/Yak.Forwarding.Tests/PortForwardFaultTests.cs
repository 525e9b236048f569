using System.Net.Sockets;
using System.Text;
using Yak.Forwarding.Tests.Support;
using Yak.Testing;

namespace Yak.Forwarding.Tests;

/// <summary>Dropped streams and an API server that stops answering: the forward recovers by itself.</summary>
public sealed class PortForwardFaultTests
{
    [Fact]
    public async Task PortForward_AllStreamsDropped_OpenConnectionEndsAndNextOneWorks()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        await cluster.CreateReadyPodAsync("echo", ForwardTestCluster.EchoSpec());
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "echo"), RemotePort = EchoServer.Port });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();
        using var open = await LocalClient.ConnectAsync(forward.LocalPort);
        await open.SendAsync("ping"u8.ToArray()).DefaultTimeout();
        Assert.Equal(4, await open.ReceiveAsync(new byte[4]).DefaultTimeout());

        var dropped = await cluster.DropStreamsAsync();
        await PortForwardReplacementTests.AssertEndsAsync(open);
        var status = await forward.WaitForAsync(s => s.OpenConnections == 0, "the broken connection to be closed");

        Assert.Equal(1, dropped);
        Assert.Equal(1, status.FailedConnections);
        Assert.NotNull(status.LastError);
        Assert.Equal("echo", await LocalClient.WhoAsync(forward.LocalPort));
    }

    [Theory]
    [InlineData("refuse")]
    [InlineData("hang")]
    public async Task PortForward_ApiServerStopsAnsweringTenSeconds_FailsFastThenRecoversByItself(string mode)
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        await cluster.CreateReadyPodAsync("echo", ForwardTestCluster.EchoSpec());
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions
        {
            Target = ForwardTarget.Pod("default", "echo"),
            RemotePort = EchoServer.Port,
            DialTimeout = TimeSpan.FromSeconds(1),
            ConnectBudget = TimeSpan.FromSeconds(2),
        });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();
        var port = forward.LocalPort;

        await cluster.StopAnsweringAsync(10, mode);
        using (var during = await LocalClient.ConnectAsync(port))
        {
            await during.SendAsync(Encoding.ASCII.GetBytes("WHO\n")).DefaultTimeout();
            var error = await Assert.ThrowsAsync<SocketException>(() => LocalClient.ReadToEndAsync(during));
            Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        }

        var degraded = await forward.WaitForAsync(s => s.State == ForwardState.Degraded, "the forward to report the outage");
        var recovered = await forward.WaitForAsync(s => s.State == ForwardState.Listening, "the forward to recover by itself");

        Assert.Contains("echo", degraded.Reason, StringComparison.Ordinal);
        Assert.NotEqual(ForwardProblem.None, degraded.ReasonKind);
        Assert.Equal(port, forward.LocalPort);
        Assert.Equal("echo", recovered.TargetPod);
        Assert.Equal("echo", await LocalClient.WhoAsync(port));
    }
}
