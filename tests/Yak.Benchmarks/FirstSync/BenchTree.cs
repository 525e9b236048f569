using System.Globalization;

namespace Yak.Benchmarks.FirstSync;

/// <summary>
/// The size of the first-sync tree: 20,000 files / 200 MB (the issue's source-like tree) unless YAK_BENCH_FILES and
/// YAK_BENCH_MB say otherwise (a quick run: YAK_BENCH_FILES=2000 YAK_BENCH_MB=20). YAK_BENCH_LINKS picks the link
/// profiles for the pod runs (comma-separated from "none,1g,50m"; all three by default; "local" runs no pod).
/// YAK_BENCH_ROUNDS (default 3): how many times the local copies run, yak and its baselines in turn.
/// YAK_BENCH_TREE=DIR[:DIR…]: real folders instead of the generated tree (their regular files, copied first; caches
/// such as __pycache__ and .git left out), so a first sync can be compared on a real repository: the generator's text
/// (random words and numbers) has none of the long repeats real source has, which compressors live on.
/// </summary>
internal sealed record BenchTree(int Files, long Bytes, IReadOnlyList<BenchLink> Links, int Rounds, IReadOnlyList<string> RealFolders)
{
    public string Label => RealFolders.Count > 0 ? $"{string.Join("+", RealFolders.Select(Path.GetFileName))} ({Files} files / {Bytes >> 20} MB)" : $"{Files} files / {Bytes >> 20} MB";

    public static BenchTree FromEnvironment()
    {
        var files = Read("YAK_BENCH_FILES", 20_000);
        var megabytes = Read("YAK_BENCH_MB", 200);
        var names = (Environment.GetEnvironmentVariable("YAK_BENCH_LINKS") is { Length: > 0 } value ? value : "none,1g,50m")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var links = names.Where(name => name != "local").Select(name => BenchLink.All.FirstOrDefault(l => l.Name == name)
            ?? throw new ArgumentException($"YAK_BENCH_LINKS: unknown link '{name}'; known: {string.Join(", ", BenchLink.All.Select(l => l.Name))}")).ToList();
        var real = (Environment.GetEnvironmentVariable("YAK_BENCH_TREE") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(folder => Directory.Exists(folder) ? Path.GetFullPath(folder) : throw new ArgumentException($"YAK_BENCH_TREE: no folder {folder}")).ToList();
        return new BenchTree(files, (long)megabytes << 20, links, Read("YAK_BENCH_ROUNDS", 3), real);
    }

    /// <summary>Writes the tree into <paramref name="root"/>: the real folders' files, else the generated text. Returns (files, bytes).</summary>
    public BenchTree Create(string root)
    {
        if (RealFolders.Count == 0)
        {
            return this with { Bytes = Sync.TreeGenerator.Generate(root, Files, Bytes, seed: 20) };
        }

        var (files, bytes) = (0, 0L);
        foreach (var (folder, index) in RealFolders.Select((f, i) => (f, i)))
        {
            var target = Path.Combine(root, $"{index}-{Path.GetFileName(folder)}");
            foreach (var file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }))
            {
                var relative = Path.GetRelativePath(folder, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "__pycache__" or ".git"))
                {
                    continue;
                }

                var copy = Path.Combine(target, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
                files++;
                bytes += new FileInfo(copy).Length;
            }
        }

        return this with { Files = files, Bytes = bytes };
    }

    private static int Read(string variable, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{variable}={text}: expected a positive whole number");
    }
}

/// <summary>A link profile of the local cluster (POST /local-cluster/faults/link); null bandwidth = unshaped loopback.</summary>
/// <param name="OneWayMilliseconds">The shaper's latency is per direction: half the round trip.</param>
internal sealed record BenchLink(string Name, string Description, long? BitsPerSecond, double OneWayMilliseconds)
{
    public static readonly IReadOnlyList<BenchLink> All =
    [
        new("none", "unshaped loopback", null, 0),
        new("1g", "1 Gbit/s, 1 ms RTT", 1_000_000_000, 0.5),
        new("50m", "50 Mbit/s, 30 ms RTT", 50_000_000, 15),
    ];
}
