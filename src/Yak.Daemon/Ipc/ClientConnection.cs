using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Yak.Daemon.Events;
using Yak.Daemon.Logging;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Ipc;

/// <summary>One client: its JsonRpc, its handshake state, its event subscription and outgoing event queue.</summary>
internal sealed class ClientConnection : IEventSink, IAsyncDisposable
{
    private const int EventQueueCapacity = 1024;
    private readonly Channel<EventNotification> events = Channel.CreateBounded<EventNotification>(
        new BoundedChannelOptions(EventQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly EventHub hub;
    private readonly ILogger logger;
    private readonly JsonRpc rpc;
    private ImmutableHashSet<string> topics = [];
    private int dropped;

    public ClientConnection(int id, AcceptedConnection accepted, Action<JsonRpc, ClientConnection> addTargets, EventHub hub, Task started, ILogger logger)
    {
        Id = id;
        PeerUid = accepted.PeerUid;
        this.hub = hub;
        this.logger = logger;
        var guarded = new FrameGuardStream(accepted.Stream, RpcWire.MaxHeaderBytes, RpcWire.MaxMessageBytes);
        Guard = guarded;
        rpc = new DaemonJsonRpc(RpcWire.CreateHandler(guarded, guarded), started)
        {
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
        };
        addTargets(rpc, this);
        rpc.Disconnected += (_, e) =>
        {
            if (e.Reason is DisconnectedReason.ParseError or DisconnectedReason.StreamError && e.Exception is InvalidDataException or System.Text.Json.JsonException)
            {
                Log.MalformedInput(logger, Id, e.Description);
            }

            Log.ClientDisconnected(logger, Id, e.Description);
            events.Writer.TryComplete();
        };
    }

    public int Id { get; }

    /// <summary>The connection's framing guard; <c>streams/attach</c> diverts it into a side channel.</summary>
    public FrameGuardStream Guard { get; }

    public uint? PeerUid { get; }

    public bool HandshakeCompleted { get; set; }

    public Task Completion => rpc.Completion;

    public IReadOnlySet<string> Topics => topics;

    public void Start()
    {
        hub.Register(this);
        rpc.StartListening();
        _ = PumpEventsAsync();
    }

    /// <summary>Every method but <c>daemon/hello</c> refuses to run before the handshake settled the protocol.</summary>
    public void RequireHandshake()
    {
        if (!HandshakeCompleted)
        {
            throw new Rpc.HandshakeRequiredException($"Call {Methods.DaemonHello} first: the handshake settles the protocol version.");
        }
    }

    public IReadOnlyList<string> Subscribe(IEnumerable<string> requested)
    {
        topics = topics.Union(requested);
        return [.. topics.Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Unsubscribe(IEnumerable<string> requested)
    {
        topics = topics.Except(requested);
        return [.. topics.Order(StringComparer.Ordinal)];
    }

    public void Enqueue(EventNotification notification)
    {
        if (events.Reader.Count >= EventQueueCapacity)
        {
            Interlocked.Increment(ref dropped);
        }

        events.Writer.TryWrite(notification);
    }

    public async ValueTask DisposeAsync()
    {
        hub.Unregister(this);
        events.Writer.TryComplete();
        rpc.Dispose();
        try
        {
            await rpc.Completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The connection's fault was already logged by the Disconnected handler.
        }
    }

    private async Task PumpEventsAsync()
    {
        try
        {
            await foreach (var notification in events.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (Interlocked.Exchange(ref dropped, 0) is > 0 and var count)
                {
                    Log.EventsDropped(logger, Id, count);
                }

                await rpc.NotifyWithParameterObjectAsync(Methods.EventsEvent, notification).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException or IOException)
        {
            // Client went away; Disconnected already said so.
        }
    }
}
