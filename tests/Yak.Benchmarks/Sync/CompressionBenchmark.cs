using System.Diagnostics;
using System.IO.Compression;
using ZstdSharp;

namespace Yak.Benchmarks.Sync;

/// <summary>zstd (ZstdSharp) against Brotli on literal data, chunk by chunk as the sync protocol sends it (256 KiB).</summary>
internal static class CompressionBenchmark
{
    private const int Chunk = 256 * 1024;

    public static void Run(BenchmarkReport report, byte[] corpus)
    {
        var zstd1 = Measure(corpus, level => new Compressor(1), Zstd);
        var zstd3 = Measure(corpus, level => new Compressor(3), Zstd);
        var brotli1 = Measure(corpus, _ => null, (c, chunk, output) => Brotli(chunk, output, 1));
        var brotli4 = Measure(corpus, _ => null, (c, chunk, output) => Brotli(chunk, output, 4));
        foreach (var (name, result) in new[] { ("zstd -1", zstd1), ("zstd -3", zstd3), ("brotli q1", brotli1), ("brotli q4", brotli4) })
        {
            report.Add("sync", $"literal compression {name}: ratio, compress, decompress",
                $"{result.Ratio:0.00}x, {result.CompressMBps:0} MB/s, {result.DecompressMBps:0} MB/s",
                name.StartsWith("zstd -1", StringComparison.Ordinal) ? "chosen" : "");
        }
    }

    private sealed record Result(double Ratio, double CompressMBps, double DecompressMBps);

    private static int Zstd(object? compressor, ReadOnlySpan<byte> chunk, Span<byte> output) => ((Compressor)compressor!).Wrap(chunk, output);

    private static int Brotli(ReadOnlySpan<byte> chunk, Span<byte> output, int quality)
    {
        if (!BrotliEncoder.TryCompress(chunk, output, out var written, quality, 22))
        {
            throw new InvalidOperationException("brotli output buffer too small");
        }

        return written;
    }

    private delegate int Compress(object? state, ReadOnlySpan<byte> chunk, Span<byte> output);

    private static Result Measure(byte[] corpus, Func<int, object?> create, Compress compress)
    {
        var state = create(0);
        var output = new byte[Chunk * 2];
        var compressed = new List<byte[]>();
        var started = Stopwatch.GetTimestamp();
        for (var offset = 0; offset < corpus.Length; offset += Chunk)
        {
            var chunk = corpus.AsSpan(offset, Math.Min(Chunk, corpus.Length - offset));
            var n = compress(state, chunk, output);
            compressed.Add(output.AsSpan(0, n).ToArray());
        }

        var compressTime = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var decoded = new byte[Chunk];
        started = Stopwatch.GetTimestamp();
        using var decompressor = new Decompressor();
        foreach (var piece in compressed)
        {
            if (state is Compressor)
            {
                decompressor.Unwrap(piece, decoded);
            }
            else if (!BrotliDecoder.TryDecompress(piece, decoded, out _))
            {
                throw new InvalidOperationException("brotli round trip failed");
            }
        }

        var decompressTime = Stopwatch.GetElapsedTime(started).TotalSeconds;
        (state as IDisposable)?.Dispose();
        var mb = corpus.Length / 1e6;
        return new Result(corpus.Length / (double)compressed.Sum(c => c.Length), mb / compressTime, mb / decompressTime);
    }
}
