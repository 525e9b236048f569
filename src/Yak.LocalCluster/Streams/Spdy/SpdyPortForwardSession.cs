using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Streams.Spdy;

/// <summary>
/// The kubelet side of client-go's SPDY port-forward: for every forwarded connection the client opens an
/// <c>error</c> stream and a <c>data</c> stream (headers <c>streamtype</c>, <c>port</c>, <c>requestid</c>); every
/// SYN_STREAM gets a SYN_REPLY at once; the data stream is joined to a TCP connection inside the pod's network
/// namespace. When the pod side ends, both streams get FIN (kubectl waits for the error stream to end); a failed
/// dial is reported as text on the error stream. PINGs from the client are echoed.
/// </summary>
internal sealed class SpdyPortForwardSession(Stream transport, PodSandbox sandbox, string podDescription)
{
    private readonly SpdyFramer framer = new(transport);
    private readonly SpdyHeaderEncoder encoder = new();
    private readonly object encoderLock = new();
    private readonly ConcurrentDictionary<string, uint> errorStreams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<uint, Forward> forwards = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var decoder = new SpdyHeaderDecoder();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (await framer.ReadAsync(ended.Token).ConfigureAwait(false) is { } frame)
            {
                if (!frame.IsControl)
                {
                    await OnDataAsync(frame, ended.Token).ConfigureAwait(false);
                    continue;
                }

                switch (frame.Type)
                {
                    case SpdyFrame.SynStream:
                        var headers = decoder.Decode(frame.Payload.AsSpan(10));
                        await OnSynStreamAsync(frame.StreamId, headers, ended.Token).ConfigureAwait(false);
                        break;
                    case SpdyFrame.Headers:
                        decoder.Decode(frame.Payload.AsSpan(4)); // keeps the shared zlib context in step
                        break;
                    case SpdyFrame.RstStream:
                        if (forwards.TryRemove(frame.StreamId, out var reset))
                        {
                            reset.Connection?.Dispose();
                        }

                        break;
                    case SpdyFrame.Ping:
                        await framer.WriteControlAsync(SpdyFrame.Ping, 0, frame.Payload, ended.Token).ConfigureAwait(false);
                        break;
                    case SpdyFrame.GoAway:
                        return;
                }
            }
        }
        finally
        {
            await ended.CancelAsync().ConfigureAwait(false);
            foreach (var forward in forwards.Values)
            {
                forward.Connection?.Dispose();
            }
        }
    }

    private async Task OnSynStreamAsync(uint streamId, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        byte[] reply;
        lock (encoderLock)
        {
            reply = [.. StreamIdBytes(streamId), .. encoder.Encode([])];
        }

        await framer.WriteControlAsync(SpdyFrame.SynReply, 0, reply, cancellationToken).ConfigureAwait(false);
        headers.TryGetValue("requestid", out var requestId);
        requestId ??= streamId.ToString(CultureInfo.InvariantCulture);
        headers.TryGetValue("streamtype", out var type);
        if (type == "error")
        {
            errorStreams[requestId] = streamId;
            return;
        }

        if (type != "data")
        {
            return;
        }

        var forward = new Forward(streamId, requestId);
        forwards[streamId] = forward;
        if (!headers.TryGetValue("port", out var portText) || !int.TryParse(portText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            await FailAsync(forward, $"invalid port header: {portText}", cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            forward.Connection = await PodSocket.ConnectAsync(sandbox, "127.0.0.1", port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            await FailAsync(forward, $"error forwarding port {port} to {podDescription}: {ex.Message}", cancellationToken).ConfigureAwait(false);
            return;
        }

        _ = PumpFromPodAsync(forward, cancellationToken);
    }

    private async Task OnDataAsync(SpdyFrame frame, CancellationToken cancellationToken)
    {
        if (!forwards.TryGetValue(frame.StreamId, out var forward) || forward.Connection is not { } connection)
        {
            return;
        }

        try
        {
            if (frame.Payload.Length > 0)
            {
                await connection.SendAsync(frame.Payload, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            if (frame.Fin)
            {
                connection.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            connection.Dispose();
        }
    }

    private async Task PumpFromPodAsync(Forward forward, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await forward.Connection!.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await framer.WriteDataAsync(forward.StreamId, fin: false, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
        {
            return; // the session is gone; nobody to tell
        }

        try
        {
            await CloseAsync(forward, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
        {
        }
    }

    private Task FailAsync(Forward forward, string message, CancellationToken cancellationToken) => CloseAsync(forward, message, cancellationToken);

    /// <summary>FIN on the data stream, then the error text (if any) and FIN on the error stream.</summary>
    private async Task CloseAsync(Forward forward, string? error, CancellationToken cancellationToken)
    {
        forwards.TryRemove(forward.StreamId, out _);
        forward.Connection?.Dispose();
        await framer.WriteDataAsync(forward.StreamId, fin: true, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        if (errorStreams.TryRemove(forward.RequestId, out var errorStream))
        {
            if (error is not null)
            {
                await framer.WriteDataAsync(errorStream, fin: false, Encoding.UTF8.GetBytes(error), cancellationToken).ConfigureAwait(false);
            }

            await framer.WriteDataAsync(errorStream, fin: true, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
    }

    private static byte[] StreamIdBytes(uint streamId)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, streamId);
        return bytes;
    }

    private sealed class Forward(uint streamId, string requestId)
    {
        public uint StreamId { get; } = streamId;

        public string RequestId { get; } = requestId;

        public Socket? Connection { get; set; }
    }
}
