using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Yak.LocalCluster.Streams.Spdy;

/// <summary>
/// SPDY/3 header blocks: <c>u32 count, (u32 len, name, u32 len, value)*</c>, zlib-compressed with one context per
/// direction for the whole connection. Decoding needs the SPDY dictionary as preset history, which .NET's zlib API
/// does not take, so the raw inflater is first fed a stored block holding the dictionary (its output is discarded):
/// back-references into the dictionary then resolve exactly as with inflateSetDictionary. Encoding emits stored
/// (uncompressed) deflate blocks after a plain zlib header, which any inflater accepts; without FDICT the peer's
/// reader needs no dictionary.
/// </summary>
internal sealed class SpdyHeaderDecoder : IDisposable
{
    private readonly FeedStream feed = new();
    private readonly DeflateStream inflater;
    private bool first = true;

    public SpdyHeaderDecoder()
    {
        feed.Append(SpdyHeaderEncoder.StoredBlock(SpdyDictionary.Bytes));
        inflater = new DeflateStream(feed, CompressionMode.Decompress, leaveOpen: true);
        var discard = new byte[SpdyDictionary.Bytes.Length];
        inflater.ReadExactly(discard);
    }

    public Dictionary<string, string> Decode(ReadOnlySpan<byte> block)
    {
        if (first)
        {
            first = false;
            if (block.Length < 2 || (block[0] & 0x0f) != 8 || ((block[0] << 8) | block[1]) % 31 != 0)
            {
                throw new InvalidDataException("SPDY header block: not a zlib stream");
            }

            block = block[((block[1] & 0x20) != 0 ? 6 : 2)..];
        }

        feed.Append(block);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = ReadUInt32();
        for (var i = 0; i < count; i++)
        {
            var name = ReadString();
            headers[name.ToLowerInvariant()] = ReadString();
        }

        return headers;
    }

    public void Dispose()
    {
        inflater.Dispose();
        feed.Dispose();
    }

    private uint ReadUInt32()
    {
        Span<byte> four = stackalloc byte[4];
        inflater.ReadExactly(four);
        return BinaryPrimitives.ReadUInt32BigEndian(four);
    }

    private string ReadString()
    {
        var length = ReadUInt32();
        if (length > 1 << 20)
        {
            throw new InvalidDataException("SPDY header too long");
        }

        var bytes = new byte[length];
        inflater.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Compressed bytes handed over frame by frame; reading past them returns 0.</summary>
    private sealed class FeedStream : Stream
    {
        private readonly Queue<byte[]> chunks = new();
        private int offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Append(ReadOnlySpan<byte> data)
        {
            if (!data.IsEmpty)
            {
                chunks.Enqueue(data.ToArray());
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (chunks.Count == 0)
            {
                return 0;
            }

            var chunk = chunks.Peek();
            var n = Math.Min(buffer.Length, chunk.Length - offset);
            chunk.AsSpan(offset, n).CopyTo(buffer);
            offset += n;
            if (offset == chunk.Length)
            {
                chunks.Dequeue();
                offset = 0;
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The sending half of <see cref="SpdyHeaderDecoder"/>'s scheme: zlib header once, then stored blocks, each followed by a sync flush.</summary>
internal sealed class SpdyHeaderEncoder
{
    private bool first = true;

    public byte[] Encode(IReadOnlyList<(string Name, string Value)> headers)
    {
        using var raw = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(four, (uint)headers.Count);
        raw.Write(four);
        foreach (var (name, value) in headers)
        {
            foreach (var text in new[] { name.ToLowerInvariant(), value })
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BinaryPrimitives.WriteUInt32BigEndian(four, (uint)bytes.Length);
                raw.Write(four);
                raw.Write(bytes);
            }
        }

        // The empty stored block is zlib's sync-flush marker: Go's inflater hands out the decoded bytes only on a
        // block boundary like this, and must not need to read past the frame to find it.
        byte[] block = [.. StoredBlock(raw.ToArray()), 0x00, 0x00, 0x00, 0xff, 0xff];
        if (!first)
        {
            return block;
        }

        first = false;
        return [0x78, 0x01, .. block];
    }

    /// <summary>A non-final stored deflate block (byte-aligned: header bits 000 and padding, LEN, NLEN, data).</summary>
    public static byte[] StoredBlock(ReadOnlySpan<byte> data)
    {
        if (data.Length > ushort.MaxValue)
        {
            throw new ArgumentException("stored block too large", nameof(data));
        }

        var block = new byte[5 + data.Length];
        block[0] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(1), (ushort)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(3), (ushort)~data.Length);
        data.CopyTo(block.AsSpan(5));
        return block;
    }
}
