using System.Diagnostics;
using System.IO.Compression;
using Yak.Sync.Link;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Benchmarks.Sync;

/// <summary>
/// yak sync beside its baselines, local endpoint (yak-agent as a local process): save → visible latency, bytes for a
/// one-line edit in a 50 MB file, rescan of an unchanged 100k-file tree against <c>find</c>'s stat walk, and zstd
/// against Brotli on literal data. The first sync against rsync and tar is the first-sync suite.
/// </summary>
public sealed partial class SyncBenchmarks : IBenchmarkSuite
{
    private const string Suite = "sync";

    public string Name => Suite;

    public string Description => "sync latency, delta bytes, 100k-file rescan, zstd vs brotli";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        // The 100k-file rescan runs first, in a fresh heap, so its memory figure is not blurred by the other suites.
        await RescanAsync(report, cancellationToken);
        await LatencyAsync(report, cancellationToken);
        // A pod's link is zstd-compressed, a local pipe is raw: the bytes a one-line edit costs differ by the literal's ratio.
        await OneLineEditAsync(report, compress: true, cancellationToken);
        await OneLineEditAsync(report, compress: false, cancellationToken);
        CompressionBenchmark.Run(report, Corpus());
    }

    internal static SyncSession NewSession(string local, string remote, string state, bool compress = false) =>
        new(new SyncSessionOptions { Name = "bench", LocalRoot = local, StateDirectory = state },
            new LocalAgentConnector(remote) { AgentCachePath = Path.Combine(state, "agent.scan"), Compress = compress });

    /// <summary>Writes a file locally and times until the agent's rename lands in the remote folder (seen by a watcher there).</summary>
    private static async Task LatencyAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        const int samples = 60;
        using var temp = new TempDirectory("yak-bench-");
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = Directory.CreateDirectory(temp.Combine("remote")).FullName;
        TreeGenerator.Generate(local, 500, 2_000_000, seed: 1);
        await using var session = NewSession(local, remote, temp.Combine("state"));
        session.Start();
        await session.FlushAsync(cancellationToken);

        var probe = Path.Combine(local, "probe.txt");
        TaskCompletionSource<long>? visible = null;
        TaskCompletionSource<long>? noticed = null;
        using var remoteWatcher = new FileSystemWatcher(remote) { NotifyFilter = NotifyFilters.FileName };
        remoteWatcher.Renamed += (_, e) =>
        {
            if (e.Name == "probe.txt")
            {
                visible?.TrySetResult(Stopwatch.GetTimestamp());
            }
        };
        remoteWatcher.EnableRaisingEvents = true;
        using var localWatcher = new FileSystemWatcher(local) { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName };
        localWatcher.Changed += (_, e) => noticed?.TrySetResult(Stopwatch.GetTimestamp());
        localWatcher.Created += (_, e) => noticed?.TrySetResult(Stopwatch.GetTimestamp());
        localWatcher.EnableRaisingEvents = true;

        var yak = new List<double>();
        var floor = new List<double>();
        for (var i = 0; i < samples + 5; i++)
        {
            visible = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            noticed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var start = Stopwatch.GetTimestamp();
            await File.WriteAllTextAsync(probe, $"save {i}\n", cancellationToken);
            var seen = await visible.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            var local0 = await noticed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            if (i >= 5)
            {
                yak.Add(Stopwatch.GetElapsedTime(start, seen).TotalMilliseconds);
                floor.Add(Stopwatch.GetElapsedTime(start, local0).TotalMilliseconds);
            }
        }

        report.Add(Suite, "save → visible p50 (small file, local agent)", BenchmarkReport.Ms(BenchmarkReport.Percentile(yak, 50)),
            "local watcher sees save " + BenchmarkReport.Ms(BenchmarkReport.Percentile(floor, 50)), "≤ 100 ms");
        report.Add(Suite, "save → visible p99", BenchmarkReport.Ms(BenchmarkReport.Percentile(yak, 99)),
            "local watcher sees save " + BenchmarkReport.Ms(BenchmarkReport.Percentile(floor, 99)), "≤ 500 ms");
    }

    /// <summary>Rewrites a 50 MB text file with one line changed; counts what crossed the link.</summary>
    private static async Task OneLineEditAsync(BenchmarkReport report, bool compress, CancellationToken cancellationToken)
    {
        using var temp = new TempDirectory("yak-bench-");
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = temp.Combine("remote");
        var path = Path.Combine(local, "big.log");
        var text = TreeGenerator.SourceText(new Random(5), 50 << 20);
        await File.WriteAllTextAsync(path, text, cancellationToken);
        await using var session = NewSession(local, remote, temp.Combine("state"), compress);
        session.Start();
        await session.FlushAsync(cancellationToken);

        var middle = text.IndexOf('\n', text.Length / 2) + 1;
        var edited = string.Concat(text.AsSpan(0, middle), "    // one line added by the benchmark\n", text.AsSpan(middle));
        await File.WriteAllTextAsync(path, edited, cancellationToken);
        var before = session.GetStatus().BytesOnWire;
        var started = Stopwatch.GetTimestamp();
        await session.FlushAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var wire = session.GetStatus().BytesOnWire - before;

        long gzipped;
        await using (var counter = new CountingStream())
        {
            await using (var gzip = new GZipStream(counter, CompressionLevel.Optimal, leaveOpen: true))
            {
                await using var source = File.OpenRead(path);
                await source.CopyToAsync(gzip, cancellationToken);
            }

            gzipped = counter.Count;
        }

        var size = new FileInfo(path).Length;
        var link = compress ? "zstd link, as to a pod" : "raw local pipe";
        report.Add(Suite, $"one-line edit in 50 MB file: bytes on the wire ({link})",
            $"{BenchmarkReport.Bytes(wire)} ({100.0 * wire / size:0.000}% of file)", $"whole file gzipped {BenchmarkReport.Bytes(gzipped)}", "≤ 1%");
        report.Add(Suite, $"one-line edit in 50 MB file: flush time (rescan + delta + apply, {link})", BenchmarkReport.Ms(elapsed.TotalMilliseconds));
    }

    /// <summary>Counts bytes written through it, discarding them.</summary>
    private sealed class CountingStream : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position
        {
            get => Count;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Count += count;

        public override void Write(ReadOnlySpan<byte> buffer) => Count += buffer.Length;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
