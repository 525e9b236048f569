using System.Net;
using System.Net.Sockets;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Networking;

/// <summary>
/// Service networking for one pod, served from inside its network namespace: the cluster DNS on
/// <see cref="ServiceDirectory.DnsAddress"/>:53 (UDP) and a userspace proxy for every ClusterIP:port, each accepted
/// connection relayed to a ready endpoint (pod IP and target port), or reset at once when there is none.
/// With nftables (<see cref="ServiceRules"/>) the proxy holds no socket on ClusterIP:port: it listens on
/// 127.0.0.1:ephemeral and a DNAT rule in the pod's namespace sends ClusterIP:port there, as kube-proxy rewrites
/// packets — so the pod's own containers may bind any port on the wildcard address, even one a Service uses.
/// Without nft the proxy listens on ClusterIP:port itself and leaves out the ports the pod's containers declare
/// (their wildcard binds would collide). The service range is a local route in the pod's namespace only (see
/// <see cref="PodNetwork"/>), so nothing outside the pod reaches these sockets.
/// </summary>
internal sealed class PodServiceProxy : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly int _holderPid;
    private readonly string _namespace;
    private readonly ServiceDirectory _directory;
    private readonly IReadOnlySet<int> _ownPorts;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<(string Ip, int Port), (Socket Socket, int LocalPort)> _listeners = [];
    private readonly object _gate = new();
    private Socket? _dns;
    private bool _disposed;
    private bool _dnat;

    public PodServiceProxy(int holderPid, string podNamespace, ServiceDirectory directory, IReadOnlySet<int> ownPorts)
    {
        _ownPorts = ownPorts;
        _holderPid = holderPid;
        _namespace = podNamespace;
        _directory = directory;
    }

    /// <summary>Opens the DNS socket and the listeners; throws when the namespace cannot be entered or bound.</summary>
    public void Start()
    {
        _dns = PodSocket.Create(_holderPid, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _dns.Bind(new IPEndPoint(IPAddress.Parse(ServiceDirectory.DnsAddress), 53));
        _ = ServeDnsAsync(_dns, _stopping.Token);
        _dnat = ServiceRules.TryApply(_holderPid, [], out var why);
        if (!_dnat)
        {
            Console.Error.WriteLine($"yak-local-cluster: Services in pods of {_namespace} are proxied on their ClusterIPs, leaving out the pods' own ports ({why})");
        }

        _directory.Changed += Sync;
        Sync();
    }

    private async Task ServeDnsAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[512];
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken).ConfigureAwait(false);
                var answer = DnsResponder.Answer(buffer.AsSpan(0, received.ReceivedBytes), _namespace, _directory);
                if (answer is not null)
                {
                    await socket.SendToAsync(answer, SocketFlags.None, received.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // One bad datagram (e.g. the client went away) does not stop the server.
            }
        }
    }

    /// <summary>Opens a listener for each ClusterIP:port (TCP) that appeared, closes those whose Service went.</summary>
    private void Sync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var wanted = _directory.Services.Where(s => s.ClusterIp is not null)
                .SelectMany(s => s.Ports.Where(p => p.Protocol == "TCP" && p.Port > 0 && (_dnat || !_ownPorts.Contains(p.Port))).Select(p => (Ip: s.ClusterIp!, p.Port)))
                .ToHashSet();
            var changed = false;
            foreach (var gone in _listeners.Keys.Where(k => !wanted.Contains(k)).ToList())
            {
                _listeners[gone].Socket.Dispose();
                _listeners.Remove(gone);
                changed = true;
            }

            foreach (var key in wanted.Where(k => !_listeners.ContainsKey(k)))
            {
                try
                {
                    var listener = PodSocket.Create(_holderPid, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    listener.Bind(_dnat ? new IPEndPoint(IPAddress.Loopback, 0) : new IPEndPoint(IPAddress.Parse(key.Ip), key.Port));
                    listener.Listen(128);
                    _listeners[key] = (listener, ((IPEndPoint)listener.LocalEndPoint!).Port);
                    changed = true;
                    _ = AcceptAsync(listener, key.Ip, key.Port, _stopping.Token);
                }
                catch (Exception e) when (e is SocketException or IOException or FormatException)
                {
                    Console.Error.WriteLine($"yak-local-cluster: no proxy for {key.Ip}:{key.Port} in a pod of {_namespace}: {e.Message}");
                }
            }

            if (_dnat && changed && !ServiceRules.TryApply(_holderPid, _listeners.Select(l => (l.Key.Ip, l.Key.Port, l.Value.LocalPort)).ToList(), out var why))
            {
                Console.Error.WriteLine($"yak-local-cluster: Service rules in a pod of {_namespace} not updated: {why}");
            }
        }
    }

    private async Task AcceptAsync(Socket listener, string clusterIp, int port, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = RelayAsync(client, clusterIp, port, cancellationToken);
        }
    }

    private async Task RelayAsync(Socket client, string clusterIp, int port, CancellationToken cancellationToken)
    {
        using (client)
        {
            var endpoints = _directory.FindPort(clusterIp, port)?.Endpoints ?? [];
            if (endpoints.Count == 0)
            {
                // As kube-proxy: no ready endpoint is refused at once, not left hanging.
                client.LingerState = new LingerOption(true, 0);
                return;
            }

            var (ip, targetPort) = endpoints[Random.Shared.Next(endpoints.Count)];
            using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ConnectTimeout);
                await upstream.ConnectAsync(new IPEndPoint(IPAddress.Parse(ip), targetPort), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or FormatException)
            {
                client.LingerState = new LingerOption(true, 0);
                return;
            }

            client.NoDelay = true;
            await using var clientStream = new NetworkStream(client, ownsSocket: false);
            await using var upstreamStream = new NetworkStream(upstream, ownsSocket: false);
            var toUpstream = Pump(clientStream, upstream, upstreamStream, cancellationToken);
            var toClient = Pump(upstreamStream, client, clientStream, cancellationToken);
            await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
        }
    }

    /// <summary>Copies one direction, then half-closes the other side so each peer sees the other's end of stream.</summary>
    private static async Task Pump(NetworkStream from, Socket toSocket, NetworkStream to, CancellationToken cancellationToken)
    {
        try
        {
            await from.CopyToAsync(to, cancellationToken).ConfigureAwait(false);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The other side went away: nothing more to copy.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _directory.Changed -= Sync;
        lock (_gate)
        {
            _disposed = true;
            foreach (var listener in _listeners.Values)
            {
                listener.Socket.Dispose();
            }

            _listeners.Clear();
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _dns?.Dispose();
        _stopping.Dispose();
    }
}
