using System.Text;
using System.Text.Json;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Client;

/// <summary>
/// A side connection carrying one stream: opened on the daemon's socket, it sends the single JSON-RPC request
/// <c>streams/attach</c> (Content-Length framed, no handshake: the token is the credential), reads the response
/// without reading a byte further, sends the start frame, and from then on speaks <see cref="StreamFrames"/>.
/// </summary>
public sealed class DaemonStream : IAsyncDisposable
{
    private readonly Stream stream;
    private readonly SemaphoreSlim writeLock = new(1, 1);

    private DaemonStream(Stream stream, string kind)
    {
        this.stream = stream;
        Kind = kind;
    }

    /// <summary><c>exec</c>, <c>attach</c> or <c>logs</c>.</summary>
    public string Kind { get; }

    /// <summary>Claims <paramref name="token"/> on a new connection to <paramref name="address"/> (the daemon's socket or pipe).</summary>
    public static async Task<DaemonStream> OpenAsync(string address, string token, CancellationToken cancellationToken)
    {
        var stream = await DaemonClient.OpenStreamAsync(address, cancellationToken).ConfigureAwait(false);
        try
        {
            await RpcRequest.WriteAsync(stream, 1, Methods.StreamsAttach, new StreamAttachRequest { Token = token }, cancellationToken).ConfigureAwait(false);

            using var response = JsonDocument.Parse(await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false));
            if (response.RootElement.TryGetProperty("error", out var error))
            {
                throw new RemoteInvocationException(
                    error.TryGetProperty("message", out var message) ? message.GetString() : "streams/attach failed",
                    error.TryGetProperty("code", out var code) ? code.GetInt32() : 0,
                    errorData: null);
            }

            var attached = response.RootElement.GetProperty("result").Deserialize(YakJson.Options.Info<StreamAttachResponse>())
                ?? throw new InvalidDataException("streams/attach returned no result.");
            var opened = new DaemonStream(stream, attached.Kind);
            await opened.SendAsync(StreamFrames.Start, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            return opened;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => SendAsync(StreamFrames.Stdin, data, cancellationToken);

    public ValueTask CloseStdinAsync(CancellationToken cancellationToken) => SendAsync(StreamFrames.StdinClose, ReadOnlyMemory<byte>.Empty, cancellationToken);

    public ValueTask ResizeAsync(int columns, int rows, CancellationToken cancellationToken) =>
        SendAsync(StreamFrames.Resize, StreamFrames.ResizePayload(columns, rows), cancellationToken);

    /// <summary>The next frame from the daemon; null when the connection ended.</summary>
    public ValueTask<(byte Type, byte[] Payload)?> ReadFrameAsync(CancellationToken cancellationToken) => StreamFrames.ReadAsync(stream, cancellationToken);

    /// <summary>
    /// Copies frames until the exit frame: stdout/stderr bytes to <paramref name="stdout"/>/<paramref name="stderr"/>,
    /// log lines to <paramref name="onLog"/>, errors to <paramref name="onError"/>. Returns the exit code (-1: none).
    /// </summary>
    public async Task<int> CopyOutputAsync(Stream stdout, Stream stderr, Action<LogLineInfo>? onLog, Action<string>? onError, CancellationToken cancellationToken)
    {
        while (await ReadFrameAsync(cancellationToken).ConfigureAwait(false) is { } frame)
        {
            switch (frame.Type)
            {
                case StreamFrames.Stdout:
                    await stdout.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case StreamFrames.Stderr:
                    await stderr.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                    await stderr.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case StreamFrames.Log when onLog is not null:
                    onLog(JsonSerializer.Deserialize(frame.Payload, YakJson.Options.Info<LogLineInfo>())!);
                    break;
                case StreamFrames.Error:
                    onError?.Invoke(Encoding.UTF8.GetString(frame.Payload));
                    break;
                case StreamFrames.Exit when frame.Payload.Length == 4:
                    return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame.Payload);
            }
        }

        throw new DaemonConnectionLostException("yakd closed the stream without an exit status.");
    }

    /// <summary>Sends <paramref name="input"/> as stdin frames, then the end of stdin.</summary>
    public async Task PumpStdinAsync(Stream input, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await WriteStdinAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        await CloseStdinAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        writeLock.Dispose();
    }

    private async ValueTask SendAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StreamFrames.WriteAsync(stream, type, payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>One Content-Length framed message, read byte by byte through the header so nothing after the body is consumed.</summary>
    internal static async Task<byte[]> ReadMessageAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new List<byte>();
        var one = new byte[1];
        while (!(header.Count >= 4 && header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n'))
        {
            if (header.Count > RpcWire.MaxHeaderBytes || await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new IOException("The daemon closed the connection before answering.");
            }

            header.Add(one[0]);
        }

        int length;
        try
        {
            length = ContentLengthHeader.Parse(header.ToArray().AsSpan(0, header.Count - 4), RpcWire.MaxMessageBytes);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"yakd answered without a usable Content-Length: {ex.Message}", ex);
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }
}
