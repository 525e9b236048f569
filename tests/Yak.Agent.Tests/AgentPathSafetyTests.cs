using System.Text;
using Yak.Sync.Link;
using Yak.Sync.Wire;
using Yak.Testing;

namespace Yak.Agent.Tests;

/// <summary>Issue 11's hostile trees: the agent never reads, writes or deletes outside its root.</summary>
public sealed class AgentPathSafetyTests
{
    private static async Task<AgentClient> ConnectAsync(string root, string? cache = null)
    {
        var connector = new LocalAgentConnector(root) { ExtraArguments = cache is null ? ["--no-cache"] : [], AgentCachePath = cache };
        var stream = await connector.ConnectAsync(CancellationToken.None).DefaultTimeout();
        return await AgentClient.ConnectAsync(stream, CancellationToken.None).DefaultTimeout();
    }

    private static async Task Ok(AgentClient client, Task ack)
    {
        await client.FlushAsync().DefaultTimeout();
        await ack.DefaultTimeout();
    }

    private static async Task<ErrorCode> ErrorOf(AgentClient client, Task ack)
    {
        await client.FlushAsync().DefaultTimeout();
        return (await Assert.ThrowsAsync<AgentErrorException>(() => ack).DefaultTimeout()).Code;
    }

    private static Task Put(AgentClient client, string path, string content) =>
        client.SendFile(path, false, new MemoryStream(Encoding.UTF8.GetBytes(content)), null, default, null).Ack;

    private static string[] TempEntries(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, ".yak-tmp-*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })];

    [Fact]
    public async Task Symlink_TargetClimbingThroughAnotherLink_Refused()
    {
        // The reproduced escape: a/b/up -> ../../z and esc -> a/b/up/../../.. resolves two levels above the root.
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("p", "q", "root")).FullName;
        await using var client = await ConnectAsync(root);
        await Ok(client, client.MakeDirectory("a"));
        await Ok(client, client.MakeDirectory("a/b"));
        await Ok(client, client.MakeDirectory("z"));
        await Ok(client, client.Symlink("a/b/up", "../../z"));

        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.Symlink("esc", "a/b/up/../../..")));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.Symlink("a/deeper", "b/up/../../../..")));
        Assert.False(File.Exists(Path.Combine(root, "esc")) || Directory.Exists(Path.Combine(root, "esc")));
        Assert.Equal("../../z", new FileInfo(Path.Combine(root, "a/b/up")).LinkTarget);
        Assert.Empty(TempEntries(root));
    }

    [Fact]
    public async Task Symlink_LaterLinkRedirectsOlderOne_OlderRemovedNotLeftEscaping()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("p", "root")).FullName;
        await using var client = await ConnectAsync(root);
        await Ok(client, client.MakeDirectory("x"));
        await Ok(client, client.Symlink("ok", "x/../file")); // inside while x is a folder
        await Ok(client, client.Symlink("x", ".")); // x is now the root: ok would climb above it

        Assert.Null(new FileInfo(Path.Combine(root, "ok")).LinkTarget);
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.Symlink("ok", "x/../file")));
        Assert.Empty(TempEntries(root));
    }

    [Fact]
    public async Task Requests_NameOfTheAgentsTemps_RefusedAndNothingWritten()
    {
        // Found by the frame fuzz: such a file was written, then left out of every manifest (resent on each pass) and
        // removed as a stale temp at the next start.
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        await using var client = await ConnectAsync(root);
        await Ok(client, client.MakeDirectory("dir"));

        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.SendFile(".yak-tmp-1", false, new MemoryStream("x"u8.ToArray()), null, default, null).Ack));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.MakeDirectory("dir/.yak-tmp-x")));
        Assert.Equal(ErrorCode.PathRefused, await ErrorOf(client, client.Symlink(".yak-tmp-2/link", "dir")));
        await Ok(client, client.SendFile(".yak-tmpfile", false, new MemoryStream("x"u8.ToArray()), null, default, null).Ack); // not the prefix

        Assert.Empty(TempEntries(root));
        Assert.True(File.Exists(Path.Combine(root, ".yak-tmpfile")));
    }

    [Theory]
    [InlineData("x/y/link", "../../other", true)]
    [InlineData("x/link", "../x/sub", true)]
    [InlineData("link", "dir/./file", true)]
    [InlineData("x/link", "sub/../..", true)]
    [InlineData("x/link", "../../out", false)]
    [InlineData("link", "a/../../out", false)]
    public void CheckLinkTarget_Text_RefusesLexicalEscapes(string link, string target, bool accepted)
    {
        var refused = Record.Exception(() => Yak.Sync.Paths.PathValidator.CheckLinkTarget(link, target)) is Yak.Sync.Paths.PathRefusedException;
        Assert.Equal(accepted, !refused);
    }

    [Fact]
    public async Task Symlink_ToFolder_SyncsAsLinkWithoutTempEntries()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        await using var client = await ConnectAsync(root);
        await Ok(client, client.MakeDirectory("d"));
        await Ok(client, client.MakeDirectory("e"));
        await Ok(client, client.Symlink("l", "d"));
        await Ok(client, client.Symlink("l", "e")); // over an existing link to a folder: replaced, not followed
        await Ok(client, client.Symlink("self", "."));

        Assert.Equal("e", new FileInfo(Path.Combine(root, "l")).LinkTarget);
        Assert.Equal(".", new FileInfo(Path.Combine(root, "self")).LinkTarget);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "e")));
        Assert.Empty(TempEntries(root));
    }

    [Fact]
    public async Task Start_TempBehindFolderLink_OutsideUntouchedInsideRemoved()
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        var outside = Directory.CreateDirectory(temp.Combine("outside")).FullName;
        File.WriteAllText(Path.Combine(outside, ".yak-tmp-0123456789abcdef"), "not the agent's");
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), outside);
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "sub", ".yak-tmp-fedcba9876543210"), "left by a killed agent");

        await using (var client = await ConnectAsync(root))
        {
            await client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();
        }

        Assert.True(File.Exists(Path.Combine(outside, ".yak-tmp-0123456789abcdef")));
        Assert.False(File.Exists(Path.Combine(root, "sub", ".yak-tmp-fedcba9876543210")));
    }

    [Fact]
    public async Task Start_TwoLinksToRoot_ServesWithoutWalkingTheLoops()
    {
        // ln -s . l1; ln -s . l2 made a restarted agent walk the loops until it held 23 GB.
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        File.CreateSymbolicLink(Path.Combine(root, "l1"), ".");
        File.CreateSymbolicLink(Path.Combine(root, "l2"), ".");
        File.WriteAllText(Path.Combine(root, "f.txt"), "f");
        for (var round = 0; round < 2; round++)
        {
            await using var client = await ConnectAsync(root, temp.Combine("agent.scan"));
            var manifest = await client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();
            Assert.Equal(["f.txt", "l1", "l2"], manifest.Entries!.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(".", manifest.Entries["l1"].Target);
        }
    }

    [Fact]
    public async Task PutFile_ParentSwappedForLinkByAnotherProcess_NothingWrittenOutside()
    {
        // Another container sharing the volume flips 'd' between a folder and a link out of the root while files
        // stream into it: every write either lands inside or is refused.
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        var outside = Directory.CreateDirectory(temp.Combine("outside")).FullName;
        await using var client = await ConnectAsync(root);
        await Ok(client, client.MakeDirectory("d"));

        using var stop = new CancellationTokenSource();
        var swaps = 0;
        var swapper = Task.Run(() =>
        {
            var folder = Path.Combine(root, "d");
            var parked = Path.Combine(root, "d.parked");
            while (!stop.IsCancellationRequested || swaps < 20)
            {
                Directory.Move(folder, parked);
                try
                {
                    Directory.CreateSymbolicLink(folder, outside);
                    File.Delete(folder);
                }
                catch (IOException)
                {
                    // The agent re-created the folder first; put the real one back below.
                }

                while (Directory.Exists(parked))
                {
                    try
                    {
                        Directory.Move(parked, folder);
                    }
                    catch (IOException)
                    {
                        // The agent re-created the missing folder meanwhile (inside the root, as it should): drop it.
                        Directory.Delete(folder, recursive: true);
                    }
                }

                swaps++;
            }
        });

        var acks = new List<Task>();
        for (var i = 0; i < 300; i++)
        {
            acks.Add(Put(client, $"d/f{i}.txt", $"content {i}"));
            if (i % 10 == 0)
            {
                await client.FlushAsync().DefaultTimeout();
            }
        }

        await client.FlushAsync().DefaultTimeout();
        foreach (var ack in acks)
        {
            try
            {
                await ack.DefaultTimeout();
            }
            catch (AgentErrorException e)
            {
                Assert.Contains(e.Code, new[] { ErrorCode.PathRefused, ErrorCode.IoError });
            }
        }

        await stop.CancelAsync();
        await swapper.DefaultTimeout();
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Empty(TempEntries(root));
    }
}
