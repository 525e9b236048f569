using System.Net.WebSockets;

namespace Yak.LocalCluster.Streams;

/// <summary>
/// The Kubernetes channel framing over a WebSocket: every binary message is one channel byte and its payload.
/// Sends are serialized (a WebSocket allows one send at a time); receives hand whole messages to the caller.
/// </summary>
internal sealed class ChannelSocket(WebSocket socket)
{
    private readonly SemaphoreSlim sendLock = new(1, 1);

    public WebSocket Socket { get; } = socket;

    public async Task SendAsync(byte channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var message = new byte[payload.Length + 1];
        message[0] = channel;
        payload.CopyTo(message.AsMemory(1));
        await SendRawAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sendLock.Release();
        }
    }

    /// <summary>The largest message accepted from a client; a larger one closes the socket (1009, message too big).</summary>
    public const int MaxMessageBytes = 1024 * 1024;

    /// <summary>Receives one whole message; null when the peer closed (or sent a message over <see cref="MaxMessageBytes"/>).</summary>
    public async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            if (message.Length + result.Count > MaxMessageBytes)
            {
                await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, $"messages are limited to {MaxMessageBytes} bytes", cancellationToken).ConfigureAwait(false);
                }
                catch (WebSocketException)
                {
                }
                finally
                {
                    sendLock.Release();
                }

                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return message.ToArray();
            }
        }
    }

    /// <summary>Normal close (1000): both clients treat only this as a clean end of the error channel.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            sendLock.Release();
        }
    }
}
