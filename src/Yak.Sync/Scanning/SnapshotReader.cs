using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Yak.Sync.Hashing;

namespace Yak.Sync.Scanning;

/// <summary>
/// Decodes a snapshot file (<see cref="Snapshot.WriteTo"/>'s layout, BinaryWriter's encoding) from one buffer: the
/// checksum in one pass over it and each field straight from the span, instead of a BinaryReader over a hashing
/// stream (5–10 µs an entry, 0.1–0.25 s for 20k, to ~0.1 µs). An idle session's models are reloaded this way at the
/// next edit. Running past the end is an <see cref="EndOfStreamException"/>, a bad string length a <see cref="FormatException"/>.
/// </summary>
internal ref struct SnapshotReader(ReadOnlySpan<byte> buffer)
{
    private readonly ReadOnlySpan<byte> buffer = buffer;
    private int position;

    /// <summary>The whole of <paramref name="stream"/> (bounded by the largest array).</summary>
    public static byte[] ReadAll(Stream stream)
    {
        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            if (remaining > Array.MaxLength)
            {
                throw new InvalidDataException($"{remaining} bytes, larger than a snapshot can be");
            }

            var bytes = new byte[remaining];
            stream.ReadExactly(bytes);
            return bytes;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>XxHash64 of everything read so far (what the writer's checksum covers).</summary>
    public readonly ulong ChecksumOfConsumed => XxHash64.HashToUInt64(buffer[..position]);

    public byte Byte() => Take(1)[0];

    public bool Boolean() => Byte() != 0;

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public Digest Digest() => Hashing.Digest.Read(Take(Hashing.Digest.Size));

    /// <summary>A BinaryWriter string: its UTF-8 length as a 7-bit encoded int, then the bytes.</summary>
    public string String()
    {
        var length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 28)
            {
                throw new FormatException("a string length is longer than 5 bytes");
            }

            var b = Byte();
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (length < 0)
        {
            throw new FormatException($"negative string length {length}");
        }

        return length == 0 ? string.Empty : Encoding.UTF8.GetString(Take(length));
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > buffer.Length - position)
        {
            throw new EndOfStreamException();
        }

        var span = buffer.Slice(position, count);
        position += count;
        return span;
    }
}
