using System.Net.Sockets;
using System.Security.Cryptography;
using Yak.Forwarding.Tests.Support;
using Yak.Testing;

namespace Yak.Forwarding.Tests;

public sealed class PortForwardConcurrencyTests
{
    [Fact]
    public async Task PortForward_FiftyConcurrentConnections_EachHasItsOwnStream()
    {
        const int count = 50;
        await using var cluster = await ForwardTestCluster.StartAsync();
        await cluster.CreateReadyPodAsync("echo", ForwardTestCluster.EchoSpec());
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "echo"), RemotePort = EchoServer.Port });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();
        var sockets = new Socket[count];
        try
        {
            // All connected and each echoing its own bytes while every other one is still open.
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                sockets[i] = await LocalClient.ConnectAsync(forward.LocalPort);
                var payload = RandomNumberGenerator.GetBytes(32 * 1024);
                await sockets[i].SendAsync(payload).DefaultTimeout();
                var echoed = new byte[payload.Length];
                var read = 0;
                while (read < echoed.Length)
                {
                    var n = await sockets[i].ReceiveAsync(echoed.AsMemory(read)).DefaultTimeout();
                    Assert.True(n > 0, $"connection {i} ended after {read} bytes");
                    read += n;
                }

                Assert.Equal(payload, echoed);
            })).DefaultTimeout();

            var status = forward.GetStatus();
            Assert.Equal(count, status.OpenConnections);
            Assert.Equal(count, cluster.OpenStreams);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }
        }

        var done = await forward.WaitForAsync(s => s.OpenConnections == 0, "every connection to close");
        Assert.Equal(count, done.TotalConnections);
        Assert.Equal(0, done.FailedConnections);
    }
}
