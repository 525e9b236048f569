using k8s;

namespace Yak.Forwarding;

/// <summary>
/// Makes a <see cref="Kubernetes"/> client's WebSockets (port-forward streams) ping the server every
/// <paramref name="interval"/> and give up when no pong comes back within <paramref name="timeout"/>: idle forwards
/// survive load balancers and kubelet idle timeouts, and a stream that died while the laptop slept is noticed
/// instead of hanging. Call it on the client handed to <see cref="PortForward"/>.
/// </summary>
public static class StreamKeepAlive
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static Kubernetes WithStreamKeepAlive(this Kubernetes client, TimeSpan? interval = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var previous = client.CreateWebSocketBuilder;
        client.CreateWebSocketBuilder = () =>
        {
            var builder = previous();
            builder.Options.KeepAliveInterval = interval ?? DefaultInterval;
            builder.Options.KeepAliveTimeout = timeout ?? DefaultTimeout;
            return builder;
        };
        return client;
    }
}
