using System.Runtime.CompilerServices;
using k8s;

namespace Yak.Forwarding;

/// <summary>
/// Makes a <see cref="Kubernetes"/> client's WebSockets (port-forward streams) ping the server every interval and
/// give up when no pong comes back within the timeout: idle forwards survive load balancers and kubelet idle
/// timeouts, and a stream that died while the laptop slept is noticed instead of hanging. <see cref="PortForward"/>
/// applies it (once per client) to the client it is given.
/// </summary>
public static class StreamKeepAlive
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private static readonly ConditionalWeakTable<Kubernetes, object> Configured = [];

    /// <summary>Sets the keep-alive on every WebSocket the client opens from now on; a second call on the same client does nothing.</summary>
    public static Kubernetes WithStreamKeepAlive(this Kubernetes client, TimeSpan? interval = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        lock (Configured)
        {
            if (Configured.TryGetValue(client, out _))
            {
                return client;
            }

            Configured.Add(client, new object());
        }

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
