using System.Diagnostics;
using System.Text;
using Yak.Sync.Delta;
using Yak.Sync.Hashing;
using Yak.Sync.Link;
using Yak.Sync.Paths;
using Yak.Sync.Wire;
using Yak.Testing;

namespace Yak.Agent.Tests;

/// <summary>Drives the real yak-agent process over its stdin/stdout.</summary>
public sealed class AgentProtocolTests
{
    private static async Task<AgentClient> ConnectAsync(string root)
    {
        var stream = await new LocalAgentConnector(root) { ExtraArguments = ["--no-cache"] }.ConnectAsync(CancellationToken.None).DefaultTimeout();
        return await AgentClient.ConnectAsync(stream, CancellationToken.None).DefaultTimeout();
    }

    private static Task Put(AgentClient client, string path, string content)
    {
        var sent = client.SendFile(path, false, new MemoryStream(Encoding.UTF8.GetBytes(content)), null, default, null);
        return sent.Ack;
    }

    private static async Task<ErrorCode> ErrorOf(AgentClient client, Task ack)
    {
        await client.FlushAsync().DefaultTimeout();
        var error = await Assert.ThrowsAsync<AgentErrorException>(() => ack).DefaultTimeout();
        return error.Code;
    }

    [Fact]
    public async Task Hello_WrongProtocolVersion_RefusedWithClearMessage()
    {
        using var temp = new TempDirectory();
        var connector = new LocalAgentConnector(temp.Path) { ExtraArguments = ["--no-cache"] };
        await using var stream = await connector.ConnectAsync(CancellationToken.None).DefaultTimeout();
        var writer = new FrameWriter(stream);
        var hello = new PayloadWriter().UInt32(ProtocolInfo.Magic).UInt16(ProtocolInfo.Version + 1).String("future-yakd");
        await writer.WriteAsync(MessageType.Hello, 0, hello.Written).DefaultTimeout();
        await writer.FlushAsync().DefaultTimeout();

        var answer = await new FrameReader(stream).ReadAsync().DefaultTimeout();
        Assert.Equal(MessageType.Error, answer!.Value.Type);
        var (code, message) = Messages.ReadError(answer.Value.Payload.Span);
        Assert.Equal(ErrorCode.VersionMismatch, code);
        Assert.Contains($"protocol {ProtocolInfo.Version}", message, StringComparison.Ordinal);
        Assert.Contains($"speaks {ProtocolInfo.Version + 1}", message, StringComparison.Ordinal);
        await connector.LastProcess!.WaitForExitAsync().DefaultTimeout();
        Assert.Equal(3, connector.LastProcess.ExitCode);
    }

    [Fact]
    public async Task ConnectAsync_PeerIsNotAnAgent_ProtocolMismatch()
    {
        var start = new ProcessStartInfo("cat") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        await using var stream = new ProcessStream(Process.Start(start)!);
        // cat echoes our Hello back: a Hello is not a HelloAck.
        var error = await Assert.ThrowsAsync<ProtocolMismatchException>(() => AgentClient.ConnectAsync(stream, CancellationToken.None)).DefaultTimeout();
        Assert.Contains("Hello", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/../../evil")]
    [InlineData("/etc/evil")]
    [InlineData("a//b")]
    [InlineData("./a")]
    [InlineData("nul\0byte")]
    [InlineData("back\\slash")]
    public async Task PutFile_MalformedOrEscapingPath_PathRefused(string path)
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        await using var client = await ConnectAsync(root);
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, Put(client, path, "x")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories));
        Assert.False(File.Exists(temp.Combine("evil")));
    }

    [Fact]
    public async Task Requests_ThroughSymlinkedParent_RefusedAndOutsideUntouched()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        var outside = Directory.CreateDirectory(temp.Combine("outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "keep");
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), outside);
        await using var client = await ConnectAsync(root);

        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, Put(client, "out/new.txt", "x")));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.Delete("out/keep.txt")));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.MakeDirectory("out/sub")));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.Symlink("link", "../outside/keep.txt")));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.Symlink("abs", "/etc/passwd")));
        Assert.Equal(new[] { "keep.txt" }, Directory.EnumerateFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "keep.txt")));

        // The link itself may be replaced (not followed): deleting it removes only the link.
        var deleted = client.Delete("out");
        await client.FlushAsync().DefaultTimeout();
        await deleted.DefaultTimeout();
        Assert.True(File.Exists(Path.Combine(outside, "keep.txt")));
    }

    [Fact]
    public async Task PutFile_OverlongName_PathRefused()
    {
        using var temp = new TempDirectory();
        await using var client = await ConnectAsync(temp.Path);
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, Put(client, new string('n', 256), "x")));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, Put(client, string.Join('/', Enumerable.Repeat(new string('d', 200), 21)), "x")));
    }

    [Fact]
    public async Task ApplyDelta_AgentCopyDiffers_BaseMismatchAndFileUntouched()
    {
        using var temp = new TempDirectory();
        var basis = new byte[100_000];
        new Random(1).NextBytes(basis);
        File.WriteAllText(temp.Combine("f.bin"), "not the basis");
        await using var client = await ConnectAsync(temp.Path);

        var sent = client.SendFile("f.bin", false, new MemoryStream(basis), Signature.Of(basis), Digest.Of(basis), null);
        Assert.Equal(ErrorCode.BaseMismatch, await ErrorOf(client, sent.Ack));
        Assert.Equal("not the basis", File.ReadAllText(temp.Combine("f.bin")));
        Assert.Empty(Directory.EnumerateFiles(temp.Path, ".yak-tmp-*"));
    }

    [Fact]
    public async Task ApplyDelta_MatchingBase_RebuildsFile()
    {
        using var temp = new TempDirectory();
        var basis = new byte[300_000];
        new Random(2).NextBytes(basis);
        var target = basis.Take(150_000).Concat(Encoding.UTF8.GetBytes("inserted")).Concat(basis.Skip(150_000)).ToArray();
        File.WriteAllBytes(temp.Combine("f.bin"), basis);
        await using var client = await ConnectAsync(temp.Path);

        var sent = client.SendFile("f.bin", true, new MemoryStream(target), Signature.Of(basis), Digest.Of(basis), null);
        await client.FlushAsync().DefaultTimeout();
        await sent.Ack.DefaultTimeout();
        Assert.True(sent.AsDelta);
        Assert.True(client.BytesSent < 10_000, $"delta took {client.BytesSent} bytes");
        Assert.Equal(target, File.ReadAllBytes(temp.Combine("f.bin")));
        Assert.True((File.GetUnixFileMode(temp.Combine("f.bin")) & UnixFileMode.UserExecute) != 0);
    }

    [Fact]
    public async Task GetManifest_KnownDigest_AnswersUnchangedWithoutEntries()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("d"));
        File.WriteAllText(temp.Combine("d", "a.txt"), "a");
        await using var client = await ConnectAsync(temp.Path);

        var full = await client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();
        Assert.NotNull(full.Entries);
        Assert.Equal(["d", "d/a.txt"], full.Entries!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Digest.Of("a"u8), full.Entries["d/a.txt"].Digest);

        var again = await client.GetManifestAsync(full.Digest, CancellationToken.None).DefaultTimeout();
        Assert.Null(again.Entries);
        Assert.Equal(full.Digest, again.Digest);

        File.WriteAllText(temp.Combine("d", "b.txt"), "changed behind the agent's back");
        var changed = await client.GetManifestAsync(full.Digest, CancellationToken.None).DefaultTimeout();
        Assert.NotNull(changed.Entries);
        Assert.Equal(3, changed.Count);
    }

    [Fact]
    public async Task PutFile_FolderInTheWay_FolderReplacedByTheFile()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("x", "inner"));
        File.WriteAllText(temp.Combine("x", "inner", "old.txt"), "old");
        await using var client = await ConnectAsync(temp.Path);

        var ack = Put(client, "x", "now a file");
        await client.FlushAsync().DefaultTimeout();
        await ack.DefaultTimeout();
        Assert.Equal("now a file", File.ReadAllText(temp.Combine("x")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path, ".yak-tmp-*"));
    }

    [Fact]
    public async Task PutFile_LargeFile_StreamedInChunksAndVerified()
    {
        using var temp = new TempDirectory();
        var data = new byte[5 << 20];
        new Random(3).NextBytes(data);
        await using var client = await ConnectAsync(temp.Path);
        var sent = client.SendFile("nested/dir/large.bin", false, new MemoryStream(data), null, default, BlockSizing.For(data.Length));
        await client.FlushAsync().DefaultTimeout();
        await sent.Ack.DefaultTimeout();
        Assert.Equal(data, File.ReadAllBytes(temp.Combine("nested", "dir", "large.bin")));
        Assert.Equal(Signature.Of(data).Strong, sent.Signature!.Strong);
    }

    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(300_000, 1000)]
    [InlineData(1000, 5000)]
    public async Task PutFile_StopAt_SendsUpToItAndNoMore(int stopAt, int available)
    {
        using var temp = new TempDirectory();
        var data = new byte[available];
        new Random(4).NextBytes(data);
        await using var client = await ConnectAsync(temp.Path);
        var sent = client.SendFile("f.bin", false, new MemoryStream(data), null, default, null, stopAt);
        await client.FlushAsync().DefaultTimeout();
        await sent.Ack.DefaultTimeout();

        var expected = data[..Math.Min(stopAt, available)];
        Assert.Equal(expected.Length, sent.Length);
        Assert.Equal(Digest.Of(expected), sent.Digest);
        Assert.Equal(expected, File.ReadAllBytes(temp.Combine("f.bin")));
    }

    [Fact]
    public async Task Version_Flag_PrintsVersionAndProtocol()
    {
        var (file, prefix) = LocalAgentConnector.Locate();
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in prefix.Append("--version"))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().DefaultTimeout();
        await process.WaitForExitAsync().DefaultTimeout();
        Assert.Equal(0, process.ExitCode);
        Assert.Matches(@"^yak-agent \d+\.\d+\.\d+ \(sync protocol \d+\)", output);
    }

    [Theory]
    [InlineData("a/b/c.txt", true)]
    [InlineData("ünï cødé/new\nline", true)]
    [InlineData("..", false)]
    [InlineData("a/./b", false)]
    [InlineData("", false)]
    [InlineData("C:/x", false)]
    public void CheckSyntax_Paths_AcceptsOnlyPlainRelative(string path, bool accepted)
    {
        var threw = Record.Exception(() => PathValidator.CheckSyntax(path)) is PathRefusedException;
        Assert.Equal(accepted, !threw);
    }

    [Fact]
    public async Task Restart_WithScanCache_ManifestHashesNothing()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(root, $"f{i}.txt"), $"content {i}");
            File.SetLastWriteTimeUtc(Path.Combine(root, $"f{i}.txt"), DateTime.UtcNow.AddMinutes(-5));
        }

        async Task<string> ScanOnceAsync()
        {
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var connector = new LocalAgentConnector(root, log: lines.Enqueue) { AgentCachePath = temp.Combine("agent.scan") };
            await using (var client = await AgentClient.ConnectAsync(await connector.ConnectAsync(CancellationToken.None).DefaultTimeout(), CancellationToken.None).DefaultTimeout())
            {
                var manifest = await client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();
                Assert.Equal(20, manifest.Count);
            }

            // Disposing the client ended the agent and drained its stderr.
            return lines.Single(l => l.Contains("hashed", StringComparison.Ordinal));
        }

        // A temp file left by an agent killed while saving its cache is cleaned up by the next one.
        var stale = temp.Combine(".agent.scan.0123456789abcdef.tmp");
        File.WriteAllText(stale, "torn");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));

        Assert.Contains("hashed 20 files", await ScanOnceAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(stale));
        Assert.Contains("hashed 0 files", await ScanOnceAsync(), StringComparison.Ordinal);
    }
}
