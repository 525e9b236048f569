using System.Net.Sockets;
using Yak.Forwarding.Tests.Support;
using Yak.Testing;

namespace Yak.Forwarding.Tests;

/// <summary>The complaint users have most: forwards that die with their pod. Ours follows the replacement.</summary>
public sealed class PortForwardReplacementTests
{
    [Fact]
    public async Task PortForward_ServicePodDeleted_ListenerStaysAndReplacementServes()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        var first = (await cluster.CreateEchoDeploymentAsync("web"))[0].Metadata.Name;
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Service("default", "web"), RemotePort = 80 });
        var states = new List<ForwardState>();
        forward.StateChanged += (_, e) =>
        {
            lock (states)
            {
                states.Add(e.State);
            }
        };
        await forward.StartAsync().DefaultTimeout();
        var port = forward.LocalPort;
        await forward.WaitListeningAsync();
        Assert.Equal(first, await LocalClient.WhoAsync(port));
        using var open = await LocalClient.ConnectAsync(port);
        await open.SendAsync("ping"u8.ToArray()).DefaultTimeout();
        var echoed = new byte[4];
        Assert.Equal(4, await open.ReceiveAsync(echoed).DefaultTimeout());

        await cluster.DeletePodAsync(first);
        var replaced = await forward.WaitForAsync(s => s.TargetPod is { } pod && pod != first && s.State == ForwardState.Listening, "a replacement pod");

        Assert.Equal(port, forward.LocalPort);
        Assert.Equal(replaced.TargetPod, await LocalClient.WhoAsync(port));
        await AssertEndsAsync(open);
        lock (states)
        {
            Assert.DoesNotContain(ForwardState.Stopped, states);
            Assert.DoesNotContain(ForwardState.Error, states);
        }
    }

    [Fact]
    public async Task PortForward_ClientConnectsWhileNoPodReady_ServedOnceReplacementIsReady()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        var first = (await cluster.CreateEchoDeploymentAsync("api"))[0].Metadata.Name;
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions
        {
            Target = ForwardTarget.Selector("default", new Dictionary<string, string> { ["app"] = "api" }),
            RemotePort = EchoServer.Port,
            ConnectBudget = TimeSpan.FromSeconds(25),
        });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();

        await cluster.DeletePodAsync(first);
        await forward.WaitForAsync(s => s.TargetPod != first, "the deleted pod to be dropped from the pick");

        // The listener is still bound: the connection is accepted now and waits for a Ready replacement.
        var answer = await LocalClient.WhoAsync(forward.LocalPort);

        Assert.NotEqual(first, answer);
        Assert.Equal(forward.GetStatus().TargetPod, answer);
    }

    [Fact]
    public async Task PortForward_NamedPodRecreated_NewPodWithSameNameServes()
    {
        await using var cluster = await ForwardTestCluster.StartAsync();
        var original = await cluster.CreateReadyPodAsync("solo", ForwardTestCluster.EchoSpec());
        await using var forward = new PortForward(cluster.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "solo"), RemotePort = EchoServer.Port });
        await forward.StartAsync().DefaultTimeout();
        await forward.WaitListeningAsync();

        await cluster.DeletePodAsync("solo");
        await forward.WaitForAsync(s => s.TargetPod is null && s.State == ForwardState.Degraded, "the deleted pod to be dropped");
        await cluster.WaitForPodsAsync("metadata.name=solo", null, p => p.Count == 0, "the old pod to be gone");
        var recreated = await cluster.CreateReadyPodAsync("solo", ForwardTestCluster.EchoSpec());
        var status = await forward.WaitListeningAsync();

        Assert.NotEqual(original.Metadata.Uid, recreated.Metadata.Uid);
        Assert.Equal("pod/solo", status.Target);
        Assert.Equal("solo", await LocalClient.WhoAsync(forward.LocalPort));
    }

    /// <summary>The connection to the deleted pod ends (EOF or reset); it never hangs.</summary>
    internal static async Task AssertEndsAsync(Socket socket)
    {
        try
        {
            var buffer = new byte[1024];
            while (await socket.ReceiveAsync(buffer).DefaultTimeout() > 0)
            {
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }
}
