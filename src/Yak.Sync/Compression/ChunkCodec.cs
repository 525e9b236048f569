using ZstdSharp;

namespace Yak.Sync.Compression;

/// <summary>How a data chunk travels: as is, or zstd-compressed.</summary>
public enum ChunkEncoding : byte
{
    Raw = 0,
    Zstd = 1,
}

/// <summary>
/// Compresses file data and delta literals chunk by chunk. zstd level 1 was chosen over Brotli by the sync benchmark
/// (tests/Yak.Benchmarks/Sync): at comparable ratio on source trees it is several times faster both ways. A chunk
/// that does not shrink is sent raw, so incompressible data costs one byte, not a wasted compression pass on the far end.
/// Not thread-safe: one codec per sender/receiver.
/// </summary>
public sealed class ChunkCodec : IDisposable
{
    public const int DefaultLevel = 1;

    /// <summary>Upper bound on a decoded chunk; the sender never produces more, the receiver refuses more.</summary>
    public const int MaxChunk = 512 * 1024;

    private readonly Compressor compressor;
    private readonly Decompressor decompressor = new();
    private byte[] scratch = [];
    private byte[] decoded = [];

    public ChunkCodec(int level = DefaultLevel)
    {
        compressor = new Compressor(level);
    }

    /// <summary>Returns the encoding chosen and the encoded bytes (valid until the next call).</summary>
    public (ChunkEncoding Encoding, ReadOnlyMemory<byte> Data) Encode(ReadOnlyMemory<byte> raw)
    {
        if (raw.Length < 64)
        {
            return (ChunkEncoding.Raw, raw);
        }

        var bound = Compressor.GetCompressBound(raw.Length);
        if (scratch.Length < bound)
        {
            scratch = new byte[bound];
        }

        var written = compressor.Wrap(raw.Span, scratch);
        return written < raw.Length - (raw.Length / 64)
            ? (ChunkEncoding.Zstd, scratch.AsMemory(0, written))
            : (ChunkEncoding.Raw, raw);
    }

    /// <summary>Decodes into a buffer owned by the codec (valid until the next call).</summary>
    public ReadOnlySpan<byte> Decode(ChunkEncoding encoding, ReadOnlySpan<byte> data)
    {
        switch (encoding)
        {
            case ChunkEncoding.Raw:
                return data;
            case ChunkEncoding.Zstd:
                var size = Decompressor.GetDecompressedSize(data);
                if (size > MaxChunk)
                {
                    throw new InvalidDataException($"compressed chunk claims {size} bytes, over the {MaxChunk} limit");
                }

                if (decoded.Length < (int)size)
                {
                    decoded = new byte[Math.Max((int)size, 1 << 16)];
                }

                var n = decompressor.Unwrap(data, decoded);
                return decoded.AsSpan(0, n);
            default:
                throw new InvalidDataException($"unknown chunk encoding {(byte)encoding}");
        }
    }

    public void Dispose()
    {
        compressor.Dispose();
        decompressor.Dispose();
    }
}
