using System.Buffers.Binary;

namespace Yak.LocalCluster.Streams.Spdy;

/// <summary>A SPDY/3.1 frame as read: control frames carry a type, data frames a stream id.</summary>
internal sealed record SpdyFrame(bool IsControl, ushort Type, byte Flags, uint StreamId, byte[] Payload)
{
    public const ushort SynStream = 1;
    public const ushort SynReply = 2;
    public const ushort RstStream = 3;
    public const ushort Settings = 4;
    public const ushort Ping = 6;
    public const ushort GoAway = 7;
    public const ushort Headers = 8;
    public const ushort WindowUpdate = 9;
    public const byte FlagFin = 1;

    public bool Fin => (Flags & FlagFin) != 0;
}

/// <summary>Reads and writes SPDY/3.1 frames (big-endian; control: 0x8003, type, flags, u24 length).</summary>
internal sealed class SpdyFramer(Stream stream)
{
    private const int MaxFrame = (1 << 24) - 1;
    private readonly SemaphoreSlim writeLock = new(1, 1);

    /// <summary>The next frame, or null at the end of the connection.</summary>
    public async Task<SpdyFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        var header = new byte[8];
        try
        {
            await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            return null;
        }

        var length = (header[5] << 16) | (header[6] << 8) | header[7];
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        var flags = header[4];
        if ((header[0] & 0x80) != 0)
        {
            var version = BinaryPrimitives.ReadUInt16BigEndian(header) & 0x7fff;
            if (version != 3)
            {
                throw new InvalidDataException($"SPDY version {version} is not supported");
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
            var streamId = payload.Length >= 4 && type is SpdyFrame.SynStream or SpdyFrame.SynReply or SpdyFrame.RstStream or SpdyFrame.Headers or SpdyFrame.WindowUpdate
                ? BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff
                : 0;
            return new SpdyFrame(true, type, flags, streamId, payload);
        }

        return new SpdyFrame(false, 0, flags, BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7fffffff, payload);
    }

    public Task WriteControlAsync(ushort type, byte flags, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x8003);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);
        WriteFlagsAndLength(frame, flags, payload.Length);
        payload.CopyTo(frame.AsMemory(8));
        return WriteAsync(frame, cancellationToken);
    }

    public Task WriteDataAsync(uint streamId, bool fin, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, streamId & 0x7fffffff);
        WriteFlagsAndLength(frame, fin ? SpdyFrame.FlagFin : (byte)0, payload.Length);
        payload.CopyTo(frame.AsMemory(8));
        return WriteAsync(frame, cancellationToken);
    }

    private static void WriteFlagsAndLength(byte[] frame, byte flags, int length)
    {
        if (length > MaxFrame)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        frame[4] = flags;
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }

    private async Task WriteAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writeLock.Release();
        }
    }
}
