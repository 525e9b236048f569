using k8s;

namespace Yak.Forwarding.Tests;

public sealed class StreamKeepAliveTests
{
    [Fact]
    public void WithStreamKeepAlive_CalledTwice_WebSocketsPingWithTheFirstSettings()
    {
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });

        client.WithStreamKeepAlive(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(9));
        client.WithStreamKeepAlive(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        var options = client.CreateWebSocketBuilder().Options;

        Assert.Equal(TimeSpan.FromSeconds(7), options.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(9), options.KeepAliveTimeout);
    }

    [Fact]
    public async Task PortForward_ClientWithoutKeepAlive_GetsStreamKeepAlive()
    {
        using var client = new Yak.Kube.KubeClient(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });

        await using var forward = new PortForward(client, new PortForwardOptions { Target = ForwardTarget.Pod("default", "web"), RemotePort = 80 });
        var options = client.CreateWebSocketBuilder().Options;

        Assert.Equal(StreamKeepAlive.DefaultInterval, options.KeepAliveInterval);
        Assert.Equal(StreamKeepAlive.DefaultTimeout, options.KeepAliveTimeout);
    }
}
