using System.IO.Pipelines;
using System.Net.WebSockets;

namespace Yak.Kube;

/// <summary>
/// The channel.k8s.io framing over an exec WebSocket, done here rather than with KubernetesClient's StreamDemuxer:
/// every write goes out as one complete binary message (<c>[channel][payload]</c>) with sends serialised, and
/// incoming messages (fragmented or not) are routed to a pipe per channel, so a pipelined binary protocol can run
/// over stdin/stdout without message boundaries getting in the way.
/// </summary>
internal sealed class ExecChannels : IAsyncDisposable
{
    public const byte StdIn = 0;
    public const byte StdOut = 1;
    public const byte StdErr = 2;
    public const byte Error = 3;

    private const int MaxMessagePayload = 256 * 1024;
    private readonly WebSocket socket;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly Dictionary<byte, Pipe> incoming = new()
    {
        [StdOut] = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20)),
        [StdErr] = new Pipe(),
        [Error] = new Pipe(),
    };

    private readonly CancellationTokenSource stop = new();
    private readonly Task receiveLoop;

    // Disposal runs once: the agent link's Abort and its DisposeAsync both close the stream, possibly at once, and a
    // second CancelAsync on the disposed source would surface as the session's error.
    private readonly Lazy<Task> disposal;

    public ExecChannels(WebSocket socket)
    {
        this.socket = socket;
        disposal = new Lazy<Task>(DisposeOnceAsync);
        receiveLoop = ReceiveAsync();
    }

    public PipeReader Reader(byte channel) => incoming[channel].Reader;

    public async ValueTask WriteAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var message = new byte[Math.Min(data.Length, MaxMessagePayload) + 1];
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (disposal.IsValueCreated)
            {
                throw new IOException("The exec stream is closed.");
            }

            while (!data.IsEmpty)
            {
                var chunk = data[..Math.Min(data.Length, MaxMessagePayload)];
                message[0] = channel;
                chunk.CopyTo(message.AsMemory(1));
                await socket.SendAsync(message.AsMemory(0, chunk.Length + 1), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                data = data[chunk.Length..];
            }
        }
        finally
        {
            sendLock.Release();
        }
    }

    public ValueTask DisposeAsync() => new(disposal.Value);

    private async Task DisposeOnceAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A close that cannot be sent must not hold the caller: abort below.
        }

        socket.Abort();
        socket.Dispose();
        try
        {
            await receiveLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        // The send lock stays undisposed: a writer racing the close gets the IOException above, not an ObjectDisposedException.
        stop.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        Exception? failure = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (result.Count == 0)
                {
                    continue;
                }

                var channel = buffer[0];
                var payload = buffer.AsMemory(1, result.Count - 1);
                while (true)
                {
                    if (incoming.TryGetValue(channel, out var pipe) && !payload.IsEmpty)
                    {
                        await pipe.Writer.WriteAsync(payload, stop.Token).ConfigureAwait(false);
                    }

                    if (result.EndOfMessage)
                    {
                        break;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(), stop.Token).ConfigureAwait(false);
                    payload = buffer.AsMemory(0, result.Count);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            failure = stop.IsCancellationRequested ? null : ex;
        }
        finally
        {
            foreach (var pipe in incoming.Values)
            {
                await pipe.Writer.CompleteAsync(failure is null ? null : new IOException("The exec stream broke.", failure)).ConfigureAwait(false);
            }
        }
    }
}
