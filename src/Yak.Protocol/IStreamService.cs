using StreamJsonRpc;
using Yak.Protocol.Messages;

namespace Yak.Protocol;

/// <summary>
/// Byte streams (exec, attach, logs): a <c>*/start</c> call on the main connection returns a token; a second
/// connection claims it with <c>streams/attach</c> and then carries frames, not JSON (docs/streams.md).
/// </summary>
public interface IStreamService
{
    [JsonRpcMethod(Methods.ExecStart, UseSingleObjectParameterDeserialization = true)]
    Task<ExecStartResponse> ExecStartAsync(ExecStartRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.AttachStart, UseSingleObjectParameterDeserialization = true)]
    Task<AttachStartResponse> AttachStartAsync(AttachStartRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.LogsStart, UseSingleObjectParameterDeserialization = true)]
    Task<LogsStartResponse> LogsStartAsync(LogsStartRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.StreamsAttach, UseSingleObjectParameterDeserialization = true)]
    Task<StreamAttachResponse> StreamsAttachAsync(StreamAttachRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The side channel's frames, after <c>streams/attach</c>: <c>[type: u8][length: u32 big-endian][payload]</c>,
/// both ways. The client sends <see cref="Start"/> first, only after it has read the attach response; the daemon
/// writes nothing before it. The daemon ends with one <see cref="Exit"/> frame and closes the connection.
/// </summary>
public static class StreamFrames
{
    /// <summary>Client → daemon: bytes for the remote stdin.</summary>
    public const byte Stdin = 0;

    /// <summary>Daemon → client: remote stdout (with a terminal: everything).</summary>
    public const byte Stdout = 1;

    /// <summary>Daemon → client: remote stderr.</summary>
    public const byte Stderr = 2;

    /// <summary>Daemon → client, last frame: int32 big-endian exit code; -1 when there is none (see the preceding <see cref="Error"/>).</summary>
    public const byte Exit = 3;

    /// <summary>Client → daemon: terminal size, u16 columns then u16 rows, big-endian.</summary>
    public const byte Resize = 4;

    /// <summary>Client → daemon, empty: end of stdin.</summary>
    public const byte StdinClose = 5;

    /// <summary>Daemon → client: UTF-8 text of a failure of the stream itself (not the command's stderr).</summary>
    public const byte Error = 6;

    /// <summary>Client → daemon, empty, first: the client has read the attach response; output may flow.</summary>
    public const byte Start = 7;

    /// <summary>Daemon → client: one log line as a UTF-8 JSON <see cref="Messages.LogLineInfo"/>.</summary>
    public const byte Log = 8;

    public const int HeaderBytes = 5;

    /// <summary>Largest payload either side sends or accepts.</summary>
    public const int MaxPayload = 1 << 20;

    /// <summary>Writes one frame; callers serialise writes to one stream.</summary>
    public static async ValueTask WriteAsync(Stream stream, byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        do
        {
            var chunk = payload[..Math.Min(payload.Length, MaxPayload)];
            var frame = new byte[HeaderBytes + chunk.Length];
            frame[0] = type;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), chunk.Length);
            chunk.Span.CopyTo(frame.AsSpan(HeaderBytes));
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            payload = payload[chunk.Length..];
        }
        while (!payload.IsEmpty);

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one frame; null at a clean end of stream between frames.</summary>
    public static async ValueTask<(byte Type, byte[] Payload)?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        var read = await stream.ReadAtLeastAsync(header, HeaderBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < HeaderBytes)
        {
            throw new EndOfStreamException("The stream ended inside a frame header.");
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length is < 0 or > MaxPayload)
        {
            throw new InvalidDataException($"Frame of {length} bytes exceeds the {MaxPayload}-byte limit.");
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        return (header[0], payload);
    }

    public static byte[] ExitPayload(int code)
    {
        var payload = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, code);
        return payload;
    }

    public static byte[] ResizePayload(int columns, int rows)
    {
        var payload = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)Math.Clamp(columns, 0, ushort.MaxValue));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2), (ushort)Math.Clamp(rows, 0, ushort.MaxValue));
        return payload;
    }
}
