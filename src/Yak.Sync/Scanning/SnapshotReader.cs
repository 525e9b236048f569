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
    /// <summary>
    /// The largest snapshot read: 1 GiB, ~10 million entries of ~100 bytes, ten times a large monorepo. A bigger file
    /// is garbage or not ours, and is refused before anything is allocated for it.
    /// </summary>
    public const int MaxBytes = 1 << 30;

    private readonly ReadOnlySpan<byte> buffer = buffer;
    private int position;

    /// <summary>The whole of <paramref name="stream"/>: as many bytes as it holds, at most <paramref name="maxBytes"/>.</summary>
    /// <exception cref="InvalidDataException">It holds more.</exception>
    public static byte[] ReadAll(Stream stream, int maxBytes = MaxBytes)
    {
        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            if (remaining > maxBytes)
            {
                throw TooLarge(remaining.ToString(System.Globalization.CultureInfo.InvariantCulture), maxBytes);
            }

            var bytes = new byte[remaining];
            stream.ReadExactly(bytes);
            return bytes;
        }

        // Unknown length: copied in chunks, never past the bound (a stream that does not end cannot exhaust memory).
        using var copy = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (copy.Length + read > maxBytes)
            {
                throw TooLarge("more than " + maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), maxBytes);
            }

            copy.Write(chunk, 0, read);
        }

        return copy.ToArray();
    }

    private static InvalidDataException TooLarge(string size, int maxBytes) =>
        new($"{size} bytes, larger than a snapshot may be ({maxBytes >> 20} MiB); the file is not a snapshot yak wrote");

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
