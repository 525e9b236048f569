using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Yak.Sync.Compression;

/// <summary>The read side of a link-wide zstd stream (<see cref="ZstdWriteStream"/> writes it).</summary>
public static class LinkCompression
{
    /// <summary>Largest window a peer may make us hold (8 MiB); level 1 uses 512 KiB. Refuses a memory bomb.</summary>
    public const int MaxWindowLog = 23;

    /// <summary>
    /// Decodes <paramref name="input"/> as it arrives (a read returns as soon as a flushed block is decoded). The stream
    /// is never ended by the sender, so an end between blocks is a clean end; the frame reader catches a cut frame.
    /// Leaves <paramref name="input"/> open.
    /// </summary>
    public static Stream Reader(Stream input)
    {
        var reader = new DecompressionStream(input, bufferSize: 1 << 17, checkEndOfStream: false, leaveOpen: true);
        reader.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, MaxWindowLog);
        return reader;
    }
}
