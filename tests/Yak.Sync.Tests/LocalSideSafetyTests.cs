using System.Diagnostics;
using Yak.Sync.Hashing;
using Yak.Sync.Ignore;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>Issue 11: the local side sends only what it scanned, and hostile ignore files cannot hang or flood it.</summary>
public sealed class LocalSideSafetyTests
{
    private static SyncSession NewSession(TempDirectory temp, string local, string remote) =>
        new(new SyncSessionOptions { Name = "t", LocalRoot = local, StateDirectory = temp.Combine("state"), Ignore = IgnoreSettings.Default, MaxBackoff = TimeSpan.FromMilliseconds(200) },
            new LocalAgentConnector(remote) { ExtraArguments = ["--no-cache"] });

    [Fact]
    public async Task Push_FileSwappedForLinkAfterScan_LinkTargetNotUploaded()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = Directory.CreateDirectory(temp.Combine("remote")).FullName;
        File.WriteAllText(temp.Combine("credentials"), "SECRET-TOKEN");
        File.WriteAllText(Path.Combine(local, "app.txt"), "harmless");
        var scanned = new Scanner(local, new IgnoreRules(local)).Scan(null);
        var entry = scanned.Entries["app.txt"];

        // Between scan and push the name becomes a link to a credentials file.
        File.Delete(Path.Combine(local, "app.txt"));
        File.CreateSymbolicLink(Path.Combine(local, "app.txt"), temp.Combine("credentials"));

        var stream = await new LocalAgentConnector(remote) { ExtraArguments = ["--no-cache"] }.ConnectAsync(CancellationToken.None).DefaultTimeout();
        await using var client = await AgentClient.ConnectAsync(stream, CancellationToken.None).DefaultTimeout();
        var pusher = new Pusher(local, new SessionStore(temp.Combine("state")), []);
        var result = new PushResult();
        await pusher.PushAsync(client, [new Operation(OperationKind.SendFile, "app.txt", entry, null)], result, CancellationToken.None).DefaultTimeout();

        Assert.Equal(["app.txt"], result.Retry);
        Assert.False(File.Exists(Path.Combine(remote, "app.txt")));
    }

    [Fact]
    public async Task Push_FolderMovedOutAndLinkedBackAfterScan_FileNotUploaded()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = Directory.CreateDirectory(temp.Combine("remote")).FullName;
        Directory.CreateDirectory(Path.Combine(local, "keys"));
        File.WriteAllText(Path.Combine(local, "keys", "id"), "PRIVATE-KEY");
        var scanned = new Scanner(local, new IgnoreRules(local)).Scan(null);

        // Between scan and push the folder leaves the tree and a link to it takes its place: the very file scanned
        // (same inode, same size) now lives outside the root, and reaching it means following the link.
        Directory.Move(Path.Combine(local, "keys"), temp.Combine("keys"));
        Directory.CreateSymbolicLink(Path.Combine(local, "keys"), temp.Combine("keys"));

        var stream = await new LocalAgentConnector(remote) { ExtraArguments = ["--no-cache"] }.ConnectAsync(CancellationToken.None).DefaultTimeout();
        await using var client = await AgentClient.ConnectAsync(stream, CancellationToken.None).DefaultTimeout();
        var pusher = new Pusher(local, new SessionStore(temp.Combine("state")), []);
        var result = new PushResult();
        var plan = new List<Operation>
        {
            new(OperationKind.MakeDirectory, "keys", scanned.Entries["keys"], null),
            new(OperationKind.SendFile, "keys/id", scanned.Entries["keys/id"], null),
        };
        await pusher.PushAsync(client, plan, result, CancellationToken.None).DefaultTimeout();

        Assert.Equal(["keys/id"], result.Retry);
        Assert.False(File.Exists(Path.Combine(remote, "keys", "id")));
    }

    [Fact]
    public void SameFile_OtherInodeOrSize_NotTheScannedFile()
    {
        var scanned = new Entry(EntryKind.File, 10, 1, 42, false, Digest.Empty, null);
        Assert.True(Pusher.SameFile(scanned, new StatInfo(EntryKind.File, 10, 5, 42, 0x1A4)));
        Assert.False(Pusher.SameFile(scanned, new StatInfo(EntryKind.File, 10, 1, 43, 0x1A4)));
        Assert.False(Pusher.SameFile(scanned, new StatInfo(EntryKind.File, 11, 1, 42, 0x1A4)));
    }

    [Fact]
    public async Task Flush_FifoGitignore_CompletesAndNamesTheFile()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        File.WriteAllText(Path.Combine(local, "a.txt"), "a");
        Directory.CreateDirectory(Path.Combine(local, "sub"));
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(local, ".gitignore")))
        {
            await mkfifo.WaitForExitAsync().DefaultTimeout();
        }

        File.CreateSymbolicLink(Path.Combine(local, "sub", ".yakignore"), "/dev/zero");

        await using var session = NewSession(temp, local, temp.Combine("remote"));
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        Assert.Equal("a", File.ReadAllText(temp.Combine("remote", "a.txt")));
        var status = session.GetStatus();
        Assert.Contains(".gitignore", status.ProblemPaths);
        Assert.Contains("sub/.yakignore", status.ProblemPaths);
        await session.DisposeAsync().AsTask().DefaultTimeout(); // terminate must not hang either
    }

    [Fact]
    public void IgnoreRules_FifoIgnoreFile_RefusedAsNotRegular()
    {
        using var temp = new TempDirectory();
        using (var mkfifo = Process.Start("mkfifo", temp.Combine(".yakignore")))
        {
            mkfifo.WaitForExit();
        }

        var rules = new IgnoreRules(temp.Path);
        Assert.False(rules.IsIgnored("x", false));
        var (path, message) = Assert.Single(rules.Refused);
        Assert.Equal(".yakignore", path);
        Assert.Contains("not a regular file", message, StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoreRules_OversizedIgnoreFile_RefusedWithSize()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine(".gitignore"), new byte[IgnoreRules.MaxFileBytes + 1]);
        var rules = new IgnoreRules(temp.Path);
        Assert.False(rules.IsIgnored("x", false));
        var (path, message) = Assert.Single(rules.Refused);
        Assert.Equal(".gitignore", path);
        Assert.Contains($"{IgnoreRules.MaxFileBytes + 1} bytes", message, StringComparison.Ordinal);
    }
}
