using System.Text;
using Yak.Sync.Compression;
using Yak.Sync.Hashing;
using Yak.Sync.Ignore;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>The first sync's fast path: files hashed while sent (read once), and one zstd stream over a compressed link.</summary>
public sealed class FirstSyncTests
{
    private static readonly string[] Words = ["public", "static", "return", "await", "session", "buffer", "length", "{", "}", ";", "var", "if"];

    private static SyncSession NewSession(TempDirectory temp, string local, string remote, bool compress) =>
        new(
            new SyncSessionOptions { Name = "t", LocalRoot = local, StateDirectory = temp.Combine("state"), MaxBackoff = TimeSpan.FromMilliseconds(200) },
            new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan"), Compress = compress });

    /// <summary>The lines most source files of a repository open with.</summary>
    private const string Header = """
        // Copyright (c) the yak authors. Licensed under the MIT license; see LICENSE in the repository root.
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Example.Service.Handlers;

        """;

    /// <summary>Small source-like files: alike as a whole (a shared header, shared words), each too small to compress well alone.</summary>
    private static long WriteSourceTree(string root, int files, int seed)
    {
        var random = new Random(seed);
        long total = 0;
        for (var i = 0; i < files; i++)
        {
            var text = new StringBuilder(Header);
            while (text.Length < 1500)
            {
                text.Append(Words[random.Next(Words.Length)]).Append(random.Next(8) == 0 ? '\n' : ' ');
            }

            var folder = Directory.CreateDirectory(Path.Combine(root, $"m{i / 40}")).FullName;
            File.WriteAllText(Path.Combine(folder, $"f{i}.cs"), text.ToString());
            total += text.Length;
        }

        return total;
    }

    [Fact]
    public void Scan_DeferredFile_ListedUnhashedAndNeverTrustedFromCache()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("new.txt"), "new");
        File.WriteAllText(temp.Combine("known.txt"), "known");
        foreach (var file in Directory.EnumerateFiles(temp.Path))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-5)); // settled: the cache may be trusted
        }

        var scanner = new Scanner(temp.Path, new IgnoreRules(temp.Path));
        var first = scanner.Scan(null, (path, _) => path == "new.txt");
        Assert.True(first.Entries["new.txt"].Digest.IsZero);
        Assert.Equal(3, first.Entries["new.txt"].Size);
        Assert.Equal(1, scanner.LastStats.FilesHashed);

        var second = scanner.Scan(first);
        Assert.Equal(Digest.OfFile(temp.Combine("new.txt")), second.Entries["new.txt"].Digest);
        Assert.Equal(1, scanner.LastStats.FilesHashed);
    }

    [Fact]
    public async Task FirstSync_FilesHashedWhileSent_DigestsKeptForTheNextScan()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        WriteSourceTree(local, 120, seed: 3);
        await using (var session = NewSession(temp, local, temp.Combine("remote"), compress: false))
        {
            session.Start();
            await session.FlushAsync().DefaultTimeout();
            Assert.Equal(120, session.GetStatus().FilesSent);
            Assert.Null(session.GetStatus().LinkCompressionLevel);
        }

        TreeAssert.Equal(local, temp.Combine("remote"));
        var saved = new SessionStore(temp.Combine("state")).LoadLocal();
        Assert.NotNull(saved);
        foreach (var file in Directory.EnumerateFiles(local, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(local, file).Replace('\\', '/');
            Assert.Equal(Digest.OfFile(file), saved.Entries[relative].Digest);
        }

        await using var again = NewSession(temp, local, temp.Combine("remote"), compress: false);
        again.Start();
        await again.FlushAsync().DefaultTimeout();
        Assert.Equal(0, again.GetStatus().FilesSent);
    }

    [Fact]
    public async Task FirstSync_CompressedLink_SmallFilesCompressTogetherBetterThanOneByOne()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        WriteSourceTree(local, 400, seed: 11);
        long oneByOne = 0;
        using (var codec = new ChunkCodec())
        {
            foreach (var file in Directory.EnumerateFiles(local, "*", SearchOption.AllDirectories))
            {
                oneByOne += codec.Encode(File.ReadAllBytes(file)).Data.Length;
            }
        }

        await using var session = NewSession(temp, local, temp.Combine("remote"), compress: true);
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        var wire = session.GetStatus().BytesOnWire;
        TreeAssert.Equal(local, temp.Combine("remote"));
        Assert.Equal(LinkLevelPolicy.StartLevel, session.GetStatus().LinkCompressionLevel);
        Assert.True(wire < oneByOne * 2 / 3, $"the link took {wire} bytes; compressing file by file alone makes {oneByOne}");
    }

    [Fact]
    public async Task Save_CompressedLink_VisibleAtFlushWithNothingElseSent()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        WriteSourceTree(local, 20, seed: 5);
        await using var session = NewSession(temp, local, temp.Combine("remote"), compress: true);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        // A lone save must not wait in the compressor for more data: flush returns once the agent has it.
        for (var i = 0; i < 3; i++)
        {
            File.WriteAllText(Path.Combine(local, "m0", "f0.cs"), $"edit {i}");
            await session.FlushAsync().DefaultTimeout();
            Assert.Equal($"edit {i}", File.ReadAllText(Path.Combine(temp.Combine("remote"), "m0", "f0.cs")));
        }
    }
}
