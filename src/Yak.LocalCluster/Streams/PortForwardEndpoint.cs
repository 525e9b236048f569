using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Streams.Spdy;

namespace Yak.LocalCluster.Streams;

/// <summary>
/// GET (WebSocket) <c>pods/{name}/portforward</c>. Subprotocol <c>SPDY/3.1+portforward.k8s.io</c> (kubectl ≥ 1.31)
/// carries a SPDY session (<see cref="SpdyPortForwardSession"/>); <c>v4.channel.k8s.io</c> or none (KubernetesClient)
/// is the channel protocol: for port i, data on channel 2i and errors on 2i+1, each opened by the port as two
/// little-endian bytes; one TCP connection per port per WebSocket, all inside the pod's network namespace.
/// </summary>
internal static class PortForwardEndpoint
{
    public const string SpdyTunnelProtocol = "SPDY/3.1+portforward.k8s.io";
    private static readonly string[] Supported = [SpdyTunnelProtocol, "v4.channel.k8s.io", "channel.k8s.io"];

    public static async Task HandleAsync(HttpContext context, string ns, string name)
    {
        if (!StreamRequest.IsUpgrade(context))
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"this node serves port-forward over WebSocket only ({string.Join(", ", Supported)})").ConfigureAwait(false);
            return;
        }

        var offered = StreamRequest.OfferedProtocols(context);
        var protocol = offered.Count == 0 ? null : offered.FirstOrDefault(p => Supported.Contains(p, StringComparer.Ordinal));
        if (offered.Count > 0 && protocol is null)
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"none of the requested protocols are supported: {string.Join(", ", offered)}").ConfigureAwait(false);
            return;
        }

        var ports = new List<int>();
        foreach (var value in context.Request.Query["ports"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"invalid port: {value}").ConfigureAwait(false);
                return;
            }

            ports.Add(port);
        }

        if (protocol != SpdyTunnelProtocol && ports.Count == 0)
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", "query parameter \"ports\" is required").ConfigureAwait(false);
            return;
        }

        var target = await PodTarget.ResolveAsync(context, ns, name).ConfigureAwait(false);
        if (target is not { } resolved)
        {
            return;
        }

        var (runtime, pod, _) = resolved;
        var sandbox = pod.Sandbox;
        if (sandbox is null)
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"pod {name} has no sandbox yet").ConfigureAwait(false);
            return;
        }

        using var lease = runtime.Streams.Register(context);
        var webSocket = await StreamRequest.AcceptAsync(context, protocol).ConfigureAwait(false);
        try
        {
            if (protocol == SpdyTunnelProtocol)
            {
                await using var tunnel = new WebSocketByteStream(webSocket);
                await new SpdyPortForwardSession(tunnel, sandbox, $"pod {name}").RunAsync(lease.Token).ConfigureAwait(false);
            }
            else
            {
                await ForwardChannelsAsync(new ChannelSocket(webSocket), sandbox, ports, name, lease.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException or InvalidDataException)
        {
            // A dropped stream (fault injection), a vanished client, or a malformed SPDY frame (InvalidDataException).
            webSocket.Abort();
        }
        finally
        {
            webSocket.Dispose();
        }
    }

    private static async Task ForwardChannelsAsync(ChannelSocket socket, PodSandbox sandbox, IReadOnlyList<int> ports, string podName, CancellationToken cancellationToken)
    {
        var connections = new Socket?[ports.Count];
        try
        {
            for (var i = 0; i < ports.Count; i++)
            {
                var prefix = new[] { (byte)(ports[i] & 0xff), (byte)(ports[i] >> 8) };
                await socket.SendAsync((byte)(2 * i), prefix, cancellationToken).ConfigureAwait(false);
                await socket.SendAsync((byte)((2 * i) + 1), prefix, cancellationToken).ConfigureAwait(false);
                try
                {
                    connections[i] = await PodSocket.ConnectAsync(sandbox, "127.0.0.1", ports[i], cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    var error = $"error forwarding port {ports[i]} to pod {podName}: {ex.Message}";
                    await socket.SendAsync((byte)((2 * i) + 1), Encoding.UTF8.GetBytes(error), cancellationToken).ConfigureAwait(false);
                }
            }

            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var fromPod = connections.Select((c, i) => c is null ? Task.CompletedTask : PumpFromPodAsync(socket, c, (byte)(2 * i), done.Token)).ToList();
            var toPod = PumpToPodAsync(socket, connections, done.Token);
            await Task.WhenAny(Task.WhenAll(fromPod), toPod).ConfigureAwait(false);
            await socket.CloseAsync(cancellationToken).ConfigureAwait(false);
            await Task.WhenAny(toPod, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection?.Dispose();
            }
        }
    }

    private static async Task PumpFromPodAsync(ChannelSocket socket, Socket connection, byte channel, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await socket.SendAsync(channel, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
        }
    }

    private static async Task PumpToPodAsync(ChannelSocket socket, Socket?[] connections, CancellationToken cancellationToken)
    {
        try
        {
            while (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } message)
            {
                if (message.Length < 2 || message[0] % 2 != 0 || connections.ElementAtOrDefault(message[0] / 2) is not { } connection)
                {
                    continue;
                }

                await connection.SendAsync(message.AsMemory(1), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
        }

        foreach (var connection in connections)
        {
            try
            {
                connection?.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
            }
        }
    }
}
