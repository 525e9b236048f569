using System.IO.Pipes;
using System.Net.Sockets;
using System.Reflection;
using PolyType;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Client;

/// <summary>
/// A handshaken connection to yakd. <see cref="ConnectAsync"/> connects and says hello; every method is a
/// typed call; <see cref="EventReceived"/> raises the notifications of subscribed topics.
/// </summary>
public sealed partial class DaemonClient : IAsyncDisposable
{
    private readonly JsonRpc rpc;

    private DaemonClient(JsonRpc rpc, HelloResponse hello)
    {
        this.rpc = rpc;
        Hello = hello;
    }

    public static string ClientVersion { get; } =
        typeof(DaemonClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public HelloResponse Hello { get; }

    /// <summary>The underlying connection, for areas that have no typed wrapper yet.</summary>
    public JsonRpc Rpc => rpc;

    public Task Completion => rpc.Completion;

    public event EventHandler<EventNotification>? EventReceived;

    /// <summary>Connects and handshakes. Throws <see cref="DaemonUnavailableException"/> when nothing answers.</summary>
    public static async Task<DaemonClient> ConnectAsync(
        DaemonEndpoint endpoint,
        string clientName,
        CancellationToken cancellationToken,
        int protocolVersion = ProtocolVersion.Current)
    {
        var stream = await OpenStreamAsync(endpoint.SocketPath, cancellationToken).ConfigureAwait(false);
        var rpc = new JsonRpc(RpcWire.CreateHandler(stream, stream));
        var receiver = new EventReceiver();
        rpc.AddLocalRpcTarget(EventReceiver.Metadata, receiver, options: null);
        rpc.StartListening();
        try
        {
            var hello = await InvokeAsync<HelloResponse>(
                rpc,
                Methods.DaemonHello,
                new HelloRequest
                {
                    ClientName = clientName,
                    ClientVersion = ClientVersion,
                    ProtocolVersion = protocolVersion,
                    Capabilities = [Capabilities.Events],
                },
                cancellationToken).ConfigureAwait(false);
            if (!ProtocolVersion.IsSupported(hello.ProtocolVersion) && hello.MinimumProtocolVersion > ProtocolVersion.Current)
            {
                throw new IncompatibleDaemonException(
                    $"yakd {hello.DaemonVersion} speaks protocol {hello.MinimumProtocolVersion}..{hello.ProtocolVersion}; this {clientName} " +
                    $"{ClientVersion} speaks {ProtocolVersion.MinimumSupported}..{ProtocolVersion.Current}. Update {clientName}.");
            }

            var client = new DaemonClient(rpc, hello);
            receiver.RaiseOn(client);
            return client;
        }
        catch (RemoteInvocationException ex) when (ex.ErrorCode == ErrorCodes.IncompatibleProtocol)
        {
            rpc.Dispose();
            throw new IncompatibleDaemonException(ex.Message);
        }
        catch (RemoteMethodNotFoundException)
        {
            rpc.Dispose();
            throw new IncompatibleDaemonException($"{endpoint.SocketPath} answers JSON-RPC but not {Methods.DaemonHello}: it is not a yakd this {clientName} can talk to.");
        }
        catch (ConnectionLostException ex)
        {
            rpc.Dispose();
            throw new DaemonUnavailableException(
                $"yakd at {endpoint.SocketPath} closed the connection during the handshake (is it running as another user?).", ex);
        }
        catch
        {
            rpc.Dispose();
            throw;
        }
    }

    public Task<StatusResponse> StatusAsync(CancellationToken cancellationToken) =>
        InvokeAsync<StatusResponse>(Methods.DaemonStatus, new StatusRequest(), cancellationToken);

    public Task<ShutdownResponse> ShutdownAsync(string reason, CancellationToken cancellationToken) =>
        InvokeAsync<ShutdownResponse>(Methods.DaemonShutdown, new ShutdownRequest { Reason = reason }, cancellationToken);

    public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) =>
        InvokeAsync<VersionResponse>(Methods.DaemonVersion, new VersionRequest(), cancellationToken);

    public Task<DoctorResponse> DoctorAsync(DoctorRequest request, CancellationToken cancellationToken) =>
        InvokeAsync<DoctorResponse>(Methods.DaemonDoctor, request, cancellationToken);

    public Task<SubscribeResponse> SubscribeAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) =>
        InvokeAsync<SubscribeResponse>(Methods.EventsSubscribe, new SubscribeRequest { Topics = topics }, cancellationToken);

    public Task<UnsubscribeResponse> UnsubscribeAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) =>
        InvokeAsync<UnsubscribeResponse>(Methods.EventsUnsubscribe, new UnsubscribeRequest { Topics = topics }, cancellationToken);

    /// <summary>
    /// Calls <paramref name="method"/> with <paramref name="request"/> as its named-parameter object: its members by
    /// their wire names, from the contract's compiled metadata (<see cref="YakJson"/>), not by reflecting over the object.
    /// </summary>
    public async Task<TResponse> InvokeAsync<TResponse>(string method, object request, CancellationToken cancellationToken)
    {
        try
        {
            return await InvokeAsync<TResponse>(rpc, method, request, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException ex)
        {
            // Most often a yakd of an older release: its answer lacks a member this client requires.
            throw new DaemonAnswerUnreadableException(method, Hello.DaemonVersion, ex);
        }
    }

    private static Task<TResponse> InvokeAsync<TResponse>(JsonRpc rpc, string method, object request, CancellationToken cancellationToken)
    {
        var info = YakJson.Options.GetTypeInfo(request.GetType());
        var arguments = new Dictionary<string, object?>(info.Properties.Count, StringComparer.Ordinal);
        var types = new Dictionary<string, Type>(info.Properties.Count, StringComparer.Ordinal);
        foreach (var property in info.Properties)
        {
            arguments[property.Name] = property.Get!(request);
            types[property.Name] = property.PropertyType;
        }

        return rpc.InvokeWithParameterObjectAsync<TResponse>(method, arguments, types, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        rpc.Dispose();
        return ValueTask.CompletedTask;
    }

    [GenerateShape(IncludeMethods = MethodShapeFlags.PublicInstance)]
    internal sealed partial class EventReceiver
    {
        // From the compiled shape (PolyType's generator, as StreamJsonRpc's NativeAOT guide says): no reflection to find it.
        public static readonly RpcTargetMetadata Metadata = RpcTargetMetadata.FromShape<EventReceiver>();

        // Not a public member: the shape (and so the NativeAOT yakctl) would take in DaemonClient, JsonRpc and all they reach.
        private DaemonClient? client;

        internal void RaiseOn(DaemonClient target) => client = target;

        [JsonRpcMethod(Methods.EventsEvent, UseSingleObjectParameterDeserialization = true)]
        public void OnEvent(EventNotification notification) => client?.EventReceived?.Invoke(client, notification);
    }

    /// <summary>
    /// Opens the raw byte stream to the daemon's socket or pipe, after checking it is this user's: the socket's
    /// folder before connecting, the server's uid before the first byte (<see cref="SocketTrust"/>).
    /// </summary>
    public static async Task<Stream> OpenStreamAsync(string address, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            var pipe = new NamedPipeClientStream(".", address, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
            try
            {
                await pipe.ConnectAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                return pipe;
            }
            catch (Exception ex) when (ex is TimeoutException or IOException)
            {
                await pipe.DisposeAsync().ConfigureAwait(false);
                throw new DaemonUnavailableException($"No yakd answers on pipe {address}.", ex);
            }
        }

        SocketTrust.CheckFolder(address);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(address), cancellationToken).ConfigureAwait(false);
            SocketTrust.CheckPeer(socket, address);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (UntrustedDaemonException)
        {
            socket.Dispose();
            throw;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            var why = ex.SocketErrorCode switch
            {
                SocketError.AccessDenied => "permission denied (the socket belongs to another user)",
                SocketError.AddressNotAvailable or SocketError.ConnectionRefused => "nothing is listening",
                _ => ex.Message,
            };
            throw new DaemonUnavailableException($"No yakd answers on {address}: {why}.", ex);
        }
    }
}
