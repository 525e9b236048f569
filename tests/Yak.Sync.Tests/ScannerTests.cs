using Yak.Sync.Hashing;
using Yak.Sync.Ignore;
using Yak.Sync.Scanning;
using Yak.Testing;

namespace Yak.Sync.Tests;

public sealed class ScannerTests
{
    private static void Populate(string root, int folders, int filesPerFolder)
    {
        for (var d = 0; d < folders; d++)
        {
            var folder = Directory.CreateDirectory(Path.Combine(root, $"d{d}", "inner")).FullName;
            for (var f = 0; f < filesPerFolder; f++)
            {
                File.WriteAllText(Path.Combine(folder, $"f{f}.txt"), $"{d}/{f}");
            }
        }
    }

    /// <summary>Files written now are "unsettled" (racy); age them so the cache may trust them, as it will for real trees.</summary>
    private static void Age(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-5));
        }
    }

    [Fact]
    public void Scan_UnchangedTreeWithCache_HashesNothing()
    {
        using var temp = new TempDirectory();
        Populate(temp.Path, 20, 10);
        Age(temp.Path);
        var scanner = new Scanner(temp.Path, new IgnoreRules(temp.Path));
        var first = scanner.Scan(null);
        Assert.Equal(200, scanner.LastStats.FilesHashed);
        Assert.Equal(240, first.Count);

        var second = scanner.Scan(first);
        Assert.Equal(0, scanner.LastStats.FilesHashed);
        Assert.Equal(first.ManifestDigest(), second.ManifestDigest());

        // The cache survives a restart (persisted atomically) ...
        var cachePath = temp.Combine("..", Path.GetFileName(temp.Path) + ".cache");
        try
        {
            second.Save(cachePath);
            var reloaded = Snapshot.TryLoad(cachePath);
            scanner.Scan(reloaded);
            Assert.Equal(0, scanner.LastStats.FilesHashed);
        }
        finally
        {
            File.Delete(cachePath);
        }
    }

    [Fact]
    public void Scan_FileChangedWithSameSizeAndOldMtime_DetectedThroughInode()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("a.txt");
        File.WriteAllText(path, "aaaa");
        var mtime = DateTime.UtcNow.AddMinutes(-5);
        File.SetLastWriteTimeUtc(path, mtime);
        var scanner = new Scanner(temp.Path, new IgnoreRules(temp.Path));
        var first = scanner.Scan(null);

        // Replaced by a new file (new inode) with identical size and mtime: only the inode tells.
        var replacement = temp.Combine("b.tmp");
        File.WriteAllText(replacement, "bbbb");
        File.SetLastWriteTimeUtc(replacement, mtime);
        File.Move(replacement, path, overwrite: true);

        var second = scanner.Scan(first);
        Assert.Equal(1, scanner.LastStats.FilesHashed);
        Assert.Equal(Digest.Of("bbbb"u8), second.Entries["a.txt"].Digest);
    }

    [Fact]
    public void Scan_RecentlyModifiedFile_RehashedUntilSettled()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("hot.txt"), "1");
        var scanner = new Scanner(temp.Path, new IgnoreRules(temp.Path));
        var first = scanner.Scan(null);
        Assert.Contains("hot.txt", first.Unsettled);
        scanner.Scan(first);
        Assert.Equal(1, scanner.LastStats.FilesHashed);
    }

    [Fact]
    public void Scan_KindsModesLinksAndIgnores_Recorded()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("src"));
        Directory.CreateDirectory(temp.Combine("node_modules", "x"));
        File.WriteAllText(temp.Combine("src", "run.sh"), "#!/bin/sh");
        File.SetUnixFileMode(temp.Combine("src", "run.sh"), (UnixFileMode)0b111_101_101);
        File.WriteAllText(temp.Combine("node_modules", "x", "i.js"), "");
        File.WriteAllText(temp.Combine(".gitignore"), "node_modules/\n");
        File.CreateSymbolicLink(temp.Combine("link"), "src/run.sh");
        Directory.CreateDirectory(temp.Combine(".git"));
        File.WriteAllText(temp.Combine(".git", "HEAD"), "ref");

        var snapshot = new Scanner(temp.Path, new IgnoreRules(temp.Path)).Scan(null);
        Assert.Equal([".gitignore", "link", "src", "src/run.sh"], snapshot.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.True(snapshot.Entries["src/run.sh"].Executable);
        Assert.Equal(EntryKind.Directory, snapshot.Entries["src"].Kind);
        Assert.Equal("src/run.sh", snapshot.Entries["link"].Target);
    }

    [Fact]
    public void Rescan_SubtreeChanges_ReportsExactlyTheChangedPaths()
    {
        using var temp = new TempDirectory();
        Populate(temp.Path, 3, 3);
        Age(temp.Path);
        var scanner = new Scanner(temp.Path, new IgnoreRules(temp.Path));
        var snapshot = scanner.Scan(null);

        File.WriteAllText(temp.Combine("d0", "inner", "f0.txt"), "changed");
        File.Delete(temp.Combine("d0", "inner", "f1.txt"));
        Directory.CreateDirectory(temp.Combine("d0", "new", "deeper"));
        File.WriteAllText(temp.Combine("d0", "new", "deeper", "n.txt"), "n");
        Directory.Delete(temp.Combine("d1"), recursive: true);

        var changed = scanner.Rescan(snapshot, ["d0/inner/f0.txt", "d0/inner/f1.txt", "d0/new/deeper/n.txt", "d1"]);
        string[] expected = ["d0/inner/f0.txt", "d0/inner/f1.txt", "d0/new", "d0/new/deeper", "d0/new/deeper/n.txt", "d1", "d1/inner", "d1/inner/f0.txt", "d1/inner/f1.txt", "d1/inner/f2.txt"];
        Assert.Equal(expected, changed.Order(StringComparer.Ordinal));
        Assert.Equal(new Scanner(temp.Path, new IgnoreRules(temp.Path)).Scan(null).ManifestDigest(), snapshot.ManifestDigest());
    }
}
