using System.Diagnostics;
using Yak.Sync.Ignore;
using Yak.Sync.Scanning;
using Yak.Sync.Watching;
using Yak.Testing;

namespace Yak.Benchmarks.Sync;

public sealed partial class SyncBenchmarks
{
    /// <summary>Source-like text, as literal data for the compression comparison.</summary>
    private static byte[] Corpus()
    {
        using var temp = new TempDirectory("yak-bench-");
        TreeGenerator.Generate(temp.Path, 2_400, 24L << 20, seed: 20);
        using var corpus = new MemoryStream();
        foreach (var file in Directory.EnumerateFiles(temp.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            corpus.Write(File.ReadAllBytes(file));
        }

        return corpus.ToArray();
    }

    /// <summary>Rescan of an unchanged 100k-file tree with the digest cache, against find's stat walk; then watch it.</summary>
    private static async Task RescanAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        using var temp = new TempDirectory("yak-bench-");
        var root = Directory.CreateDirectory(temp.Combine("tree")).FullName;
        TreeGenerator.Generate(root, 100_000, 100_000L * 200, seed: 100, ageMtimes: true);
        var scanner = new Scanner(root, new IgnoreRules(root));
        var heapBefore = SettledHeap();

        var started = Stopwatch.GetTimestamp();
        var snapshot = scanner.Scan(null, cancellationToken);
        var coldTime = Stopwatch.GetElapsedTime(started);

        var warm = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            started = Stopwatch.GetTimestamp();
            snapshot = scanner.Scan(snapshot, cancellationToken);
            warm.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (scanner.LastStats.FilesHashed != 0)
            {
                throw new InvalidOperationException($"an unchanged tree re-hashed {scanner.LastStats.FilesHashed} files");
            }
        }

        started = Stopwatch.GetTimestamp();
        await RunAsync("bash", ["-c", "find \"$1\" -printf '%s %T@ %i\\n' > /dev/null", "bench", root], cancellationToken);
        var find = Stopwatch.GetElapsedTime(started);

        report.Add(Suite, $"rescan unchanged 100k-file tree ({snapshot.Count} entries, cache warm)", BenchmarkReport.Ms(BenchmarkReport.Percentile(warm, 50)),
            "find -printf stat walk " + BenchmarkReport.Ms(find.TotalMilliseconds), "≤ 1 s");
        report.Add(Suite, "cold scan 100k files (hash everything)", BenchmarkReport.Ms(coldTime.TotalMilliseconds));

        using var watcher = new InotifyWatcher(root, new IgnoreRules(root), TreeWatcher.DefaultQuiet);
        started = Stopwatch.GetTimestamp();
        watcher.Start();
        var watchTime = Stopwatch.GetElapsedTime(started);
        var heapAfter = SettledHeap();
        var process = Process.GetCurrentProcess();
        report.Add(Suite, $"watch 100k-file tree ({watcher.WatchedFolders} folders): start time", BenchmarkReport.Ms(watchTime.TotalMilliseconds));
        report.Add(Suite, "managed memory held for 100k files (snapshot + digest cache + watcher)", BenchmarkReport.Bytes(heapAfter - heapBefore),
            $"{watcher.WatchedFolders} inotify watches", "daemon RSS ≤ 150 MB");
        report.Add(Suite, "benchmark process RSS at that point (includes earlier suites' heap)", BenchmarkReport.Bytes(process.WorkingSet64));
        GC.KeepAlive(snapshot);
    }

    /// <summary>Live managed bytes after a full, compacting collection (large objects included).</summary>
    private static long SettledHeap()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private static async Task RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {await stderr}");
        }
    }
}
