using System.Net;
using System.Net.Sockets;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Networking;

/// <summary>
/// Service networking for one pod, served from inside its network namespace: the cluster DNS on
/// <see cref="ServiceDirectory.DnsAddress"/>:53 (UDP) and a userspace proxy for every ClusterIP:port, each accepted
/// connection relayed to a ready endpoint (pod IP and target port), or reset at once when there is none.
/// With nftables (<see cref="ServiceRules"/>) the proxy is one listener on 127.0.0.1:ephemeral and one DNAT rule in
/// the pod's namespace sends the whole service range there, as kube-proxy rewrites packets; the ClusterIP:port a
/// connection was meant for is read back from conntrack (SO_ORIGINAL_DST). So a pod holds two sockets whatever the
/// number of Services (a listener per ClusterIP in every pod grows with pods × Services: 200 one-service
/// namespaces were 40,000 sockets), a new Service needs no rule change, and the pod's own containers may bind any
/// port on the wildcard address, even one a Service uses. Without nft the proxy listens on every ClusterIP:port
/// itself and leaves out the ports the pod's containers declare (their wildcard binds would collide). The service
/// range is a local route in the pod's namespace only (see <see cref="PodNetwork"/>), so nothing outside the pod
/// reaches these sockets.
/// </summary>
internal sealed class PodServiceProxy : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly int _holderPid;
    private readonly string _namespace;
    private readonly ServiceDirectory _directory;
    private readonly IReadOnlySet<int> _ownPorts;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<(string Ip, int Port), Socket> _listeners = [];
    private readonly object _gate = new();
    private Socket? _dns;
    private Socket? _rangeListener;
    private bool _disposed;

    public PodServiceProxy(int holderPid, string podNamespace, ServiceDirectory directory, IReadOnlySet<int> ownPorts)
    {
        _ownPorts = ownPorts;
        _holderPid = holderPid;
        _namespace = podNamespace;
        _directory = directory;
    }

    /// <summary>Opens the DNS socket and the listener(s); throws when the namespace cannot be entered or bound.</summary>
    public void Start()
    {
        _dns = PodSocket.Create(_holderPid, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _dns.Bind(new IPEndPoint(IPAddress.Parse(ServiceDirectory.DnsAddress), 53));
        _ = ServeDnsAsync(_dns, _stopping.Token);
        var listener = PodSocket.Create(_holderPid, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        if (ServiceRules.TryApply(_holderPid, ((IPEndPoint)listener.LocalEndPoint!).Port, out var why))
        {
            _rangeListener = listener;
            _ = AcceptAsync(listener, null, _stopping.Token);
            return;
        }

        listener.Dispose();
        Console.Error.WriteLine($"yak-local-cluster: Services in pods of {_namespace} are proxied on their ClusterIPs, leaving out the pods' own ports ({why})");
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

    /// <summary>Without nft: opens a listener on each ClusterIP:port (TCP) that appeared, closes those whose Service went.</summary>
    private void Sync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var wanted = _directory.Services.Where(s => s.ClusterIp is not null)
                .SelectMany(s => s.Ports.Where(p => p.Protocol == "TCP" && p.Port > 0 && !_ownPorts.Contains(p.Port)).Select(p => (Ip: s.ClusterIp!, p.Port)))
                .ToHashSet();
            foreach (var gone in _listeners.Keys.Where(k => !wanted.Contains(k)).ToList())
            {
                _listeners[gone].Dispose();
                _listeners.Remove(gone);
            }

            foreach (var key in wanted.Where(k => !_listeners.ContainsKey(k)))
            {
                try
                {
                    var listener = PodSocket.Create(_holderPid, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    listener.Bind(new IPEndPoint(IPAddress.Parse(key.Ip), key.Port));
                    listener.Listen(128);
                    _listeners[key] = listener;
                    _ = AcceptAsync(listener, key, _stopping.Token);
                }
                catch (Exception e) when (e is SocketException or IOException or FormatException)
                {
                    Console.Error.WriteLine($"yak-local-cluster: no proxy for {key.Ip}:{key.Port} in a pod of {_namespace}: {e.Message}");
                }
            }
        }
    }

    /// <param name="target">The ClusterIP:port this listener stands for; null for the DNAT listener, which asks each connection.</param>
    private async Task AcceptAsync(Socket listener, (string Ip, int Port)? target, CancellationToken cancellationToken)
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

            _ = RelayAsync(client, target ?? OriginalDestination(client), cancellationToken);
        }
    }

    /// <summary>
    /// The address a DNAT'd connection was sent to, from conntrack (getsockopt SOL_IP SO_ORIGINAL_DST, a sockaddr_in);
    /// null for a connection that was not rewritten (a process in the pod dialling the listener's port directly).
    /// </summary>
    internal static (string Ip, int Port)? OriginalDestination(Socket socket)
    {
        const int SolIp = 0;
        const int SoOriginalDst = 80;
        Span<byte> address = stackalloc byte[16];
        try
        {
            if (socket.GetRawSocketOption(SolIp, SoOriginalDst, address) < 8)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        var port = (address[2] << 8) | address[3];
        return (new IPAddress(address.Slice(4, 4)).ToString(), port);
    }

    private async Task RelayAsync(Socket client, (string Ip, int Port)? target, CancellationToken cancellationToken)
    {
        using (client)
        {
            var endpoints = target is { } t ? _directory.FindPort(t.Ip, t.Port)?.Endpoints ?? [] : [];
            if (endpoints.Count == 0)
            {
                // As kube-proxy: no ready endpoint (or no such Service) is refused at once, not left hanging.
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
                listener.Dispose();
            }

            _listeners.Clear();
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _dns?.Dispose();
        _rangeListener?.Dispose();
        _stopping.Dispose();
    }
}
