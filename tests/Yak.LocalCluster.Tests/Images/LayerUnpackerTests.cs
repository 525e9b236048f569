using System.Formats.Tar;
using Yak.LocalCluster.Runtime.Images;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.LocalCluster.Tests.Images;

/// <summary>Layers applied to a real folder: whiteouts, links, modes, and entries that try to leave the root.</summary>
public sealed class LayerUnpackerTests
{
    private static string Apply(string root, params ImageLayer[] layers)
    {
        var unpacker = new LayerUnpacker(root, maxBytes: 64 * 1024 * 1024);
        var digest = string.Empty;
        foreach (var layer in layers)
        {
            var (tar, gzip) = layer.Build();
            using var file = new TempFile(gzip);
            using var stream = File.OpenRead(file.Path);
            digest = unpacker.Apply(stream);
            Assert.Equal(OciImageBuilder.Digest(tar), digest);
        }

        return digest;
    }

    [Fact]
    public void Apply_WhiteoutAndOpaqueFolder_RemoveLowerLayersEntries()
    {
        using var root = new TempDirectory("yak-unpack-");
        var lower = new ImageLayer().Directory("/etc").File("/etc/keep", "k").File("/etc/gone", "g").Directory("/cache").File("/cache/old", "o");
        var upper = new ImageLayer().Whiteout("/etc/gone").Directory("/cache").Opaque("/cache").File("/cache/new", "n");

        Apply(root.Path, lower, upper);

        Assert.True(File.Exists(root.Combine("etc", "keep")));
        Assert.False(File.Exists(root.Combine("etc", "gone")));
        Assert.False(File.Exists(root.Combine("cache", "old")));
        Assert.Equal("n", File.ReadAllText(root.Combine("cache", "new")));
        Assert.Empty(Directory.EnumerateFiles(root.Path, ".wh.*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Apply_LinksAndModes_KeptAsInTheLayer()
    {
        using var root = new TempDirectory("yak-unpack-");
        var layer = new ImageLayer().Directory("/bin").File("/bin/tool", "#!/bin/sh\n", mode: "750").Symlink("/bin/alias", "tool").HardLink("/bin/hard", "/bin/tool");

        Apply(root.Path, layer);

        Assert.Equal("tool", new FileInfo(root.Combine("bin", "alias")).LinkTarget);
        Assert.Equal((UnixFileMode)Convert.ToInt32("750", 8), File.GetUnixFileMode(root.Combine("bin", "tool")));
        File.AppendAllText(root.Combine("bin", "hard"), "same inode");
        Assert.Contains("same inode", File.ReadAllText(root.Combine("bin", "tool")), StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_DotDotEntry_RefusedAndNothingWrittenOutside()
    {
        using var parent = new TempDirectory("yak-unpack-");
        var root = Directory.CreateDirectory(parent.Combine("root")).FullName;
        var layer = new ImageLayer().RawEntry(TarEntryType.RegularFile, "../escaped", content: "x");

        var error = Assert.Throws<ImagePullException>(() => Apply(root, layer));

        Assert.Contains("outside", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(parent.Combine("escaped")));
    }

    [Fact]
    public void Apply_EntryThroughSymlinkedFolder_RefusedWithoutFollowingTheLink()
    {
        using var parent = new TempDirectory("yak-unpack-");
        var root = Directory.CreateDirectory(parent.Combine("root")).FullName;
        var outside = Directory.CreateDirectory(parent.Combine("outside")).FullName;
        var planted = new ImageLayer().Symlink("/etc", outside);
        var write = new ImageLayer().RawEntry(TarEntryType.RegularFile, "etc/passwd", content: "owned");

        Assert.Throws<ImagePullException>(() => Apply(root, planted, write));

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public void Apply_FileOverPlantedSymlink_ReplacesTheLinkNotItsTarget()
    {
        using var parent = new TempDirectory("yak-unpack-");
        var root = Directory.CreateDirectory(parent.Combine("root")).FullName;
        var victim = parent.Combine("victim");
        File.WriteAllText(victim, "original");
        var planted = new ImageLayer().Symlink("/config", victim);
        var write = new ImageLayer().File("/config", "from the image");

        Apply(root, planted, write);

        Assert.Equal("original", File.ReadAllText(victim));
        Assert.Null(new FileInfo(Path.Combine(root, "config")).LinkTarget);
        Assert.Equal("from the image", File.ReadAllText(Path.Combine(root, "config")));
    }

    [Fact]
    public void Apply_HardLinkThroughSymlink_Refused()
    {
        using var parent = new TempDirectory("yak-unpack-");
        var root = Directory.CreateDirectory(parent.Combine("root")).FullName;
        var layer = new ImageLayer().Symlink("/host", "/etc").RawEntry(TarEntryType.HardLink, "shadow", linkName: "host/shadow");

        Assert.Throws<ImagePullException>(() => Apply(root, layer));

        Assert.False(File.Exists(Path.Combine(root, "shadow")));
    }

    [Fact]
    public void Apply_MoreBytesThanTheBound_Refused()
    {
        using var root = new TempDirectory("yak-unpack-");
        var (_, gzip) = new ImageLayer().File("/big", new byte[4096]).Build();
        using var file = new TempFile(gzip);
        using var stream = File.OpenRead(file.Path);

        var error = Assert.Throws<ImagePullException>(() => new LayerUnpacker(root.Path, maxBytes: 1024).Apply(stream));

        Assert.Contains("more than 1024 bytes", error.Message, StringComparison.Ordinal);
    }

    private sealed class TempFile : IDisposable
    {
        public TempFile(byte[] content)
        {
            Path = System.IO.Path.GetTempFileName();
            File.WriteAllBytes(Path, content);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
