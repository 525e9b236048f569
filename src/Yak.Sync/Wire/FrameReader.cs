using System.Buffers.Binary;

namespace Yak.Sync.Wire;

/// <summary>One received frame. <see cref="Payload"/> is only valid until the next read from the same reader.</summary>
public readonly record struct Frame(MessageType Type, uint RequestId, ReadOnlyMemory<byte> Payload);

/// <summary>Reads frames written by <see cref="FrameWriter"/>. Not thread-safe: one reading loop per stream.</summary>
public sealed class FrameReader(Stream stream)
{
    private byte[] buffer = new byte[1 << 17];
    private int start;
    private int end;

    public long BytesRead { get; private set; }

    /// <summary>True when bytes past the last frame returned are buffered (read from the stream, not yet returned).</summary>
    public bool HasBufferedBytes => end > start;

    /// <summary>True when a complete frame is already buffered, i.e. the next read will not wait for the peer.</summary>
    public bool HasBufferedFrame
    {
        get
        {
            var available = end - start;
            return available >= 4 && available >= 4 + BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start));
        }
    }

    /// <summary>Returns the next frame, or null at a clean end of stream (between frames).</summary>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (!await FillAsync(4, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start));
        if (length < 5 || length > ProtocolInfo.MaxFrame)
        {
            throw new InvalidDataException($"bad frame length {length}: the peer does not speak the yak sync protocol");
        }

        if (!await FillAsync(4 + length, cancellationToken).ConfigureAwait(false))
        {
            throw new EndOfStreamException("the stream ended in the middle of a frame");
        }

        var type = (MessageType)buffer[start + 4];
        var id = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(start + 5));
        var payload = buffer.AsMemory(start + 9, length - 5);
        start += 4 + length;
        BytesRead += 4 + length;
        return new Frame(type, id, payload);
    }

    private async ValueTask<bool> FillAsync(int needed, CancellationToken cancellationToken)
    {
        if (end - start >= needed)
        {
            return true;
        }

        if (buffer.Length - start < needed)
        {
            var target = buffer.Length >= needed ? buffer : new byte[Math.Max(needed, buffer.Length * 2)];
            Buffer.BlockCopy(buffer, start, target, 0, end - start);
            end -= start;
            start = 0;
            buffer = target;
        }

        while (end - start < needed)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (end == start)
                {
                    return false;
                }

                throw new EndOfStreamException("the stream ended in the middle of a frame");
            }

            end += read;
        }

        return true;
    }
}
