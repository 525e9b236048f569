using Yak.Sync.Ignore;
using Yak.Sync.Link;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

public sealed class SessionScenarioTests
{
    private static SyncSession NewSession(TempDirectory temp, string local, string remote, out LocalAgentConnector connector, IgnoreSettings? ignore = null, bool compress = false)
    {
        connector = new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan"), Compress = compress };
        return new SyncSession(
            new SyncSessionOptions { Name = "t", LocalRoot = local, StateDirectory = temp.Combine("state"), Ignore = ignore ?? IgnoreSettings.Default, MaxBackoff = TimeSpan.FromMilliseconds(200) },
            connector);
    }

    /// <summary>Writes as editors save: a temp file renamed over the target, so a watcher never sees half a version.</summary>
    private static void SaveAtomically(string path, string content)
    {
        File.WriteAllText(path + ".saving", content);
        File.Move(path + ".saving", path, overwrite: true);
    }

    private static (string Local, string Remote) Roots(TempDirectory temp) =>
        (Directory.CreateDirectory(temp.Combine("local")).FullName, temp.Combine("remote"));

    [Theory]
    [InlineData(42)]
    [InlineData(7)]
    [InlineData(2026)]
    public async Task FlushAsync_RandomFileOperations_TreesConverge(int seed)
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        var random = new Random(seed);
        var ops = new RandomTreeOperations(local, random);
        ops.Seed(40);
        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        TreeAssert.Equal(local, remote);

        for (var round = 0; round < 6; round++)
        {
            ops.Apply(25);
            await session.FlushAsync().DefaultTimeout();
            TreeAssert.Equal(local, remote);
        }

        Assert.Equal(0, session.GetStatus().Problems);
    }

    [Fact]
    public async Task Watcher_FileSaved_AppearsRemotelyWithoutFlush()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Synced += (_, e) =>
        {
            if (File.Exists(Path.Combine(remote, "sub", "new.txt")))
            {
                synced.TrySetResult();
            }
        };
        Directory.CreateDirectory(Path.Combine(local, "sub"));
        File.WriteAllText(Path.Combine(local, "sub", "new.txt"), "saved");
        await synced.Task.DefaultTimeout();
        Assert.Equal("saved", File.ReadAllText(Path.Combine(remote, "sub", "new.txt")));
    }

    [Fact]
    public async Task FlushAsync_IgnoredRemoteFiles_KeptWhileStaleOnesRemoved()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        Directory.CreateDirectory(Path.Combine(remote, "node_modules", "pkg"));
        File.WriteAllText(Path.Combine(remote, "node_modules", "pkg", "index.js"), "remote only, ignored");
        File.WriteAllText(Path.Combine(remote, "debug.log"), "remote only, ignored");
        File.WriteAllText(Path.Combine(remote, "stale.txt"), "remote only, not ignored");
        File.WriteAllText(Path.Combine(local, ".gitignore"), "*.log\n");
        File.WriteAllText(Path.Combine(local, "app.js"), "code");
        File.WriteAllText(Path.Combine(local, "local.log"), "ignored locally");

        await using var session = NewSession(temp, local, remote, out _, new IgnoreSettings { Excludes = ["node_modules/"] });
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        Assert.True(File.Exists(Path.Combine(remote, "node_modules", "pkg", "index.js")));
        Assert.True(File.Exists(Path.Combine(remote, "debug.log")));
        Assert.False(File.Exists(Path.Combine(remote, "stale.txt")));
        Assert.False(File.Exists(Path.Combine(remote, "local.log")));
        Assert.Equal("code", File.ReadAllText(Path.Combine(remote, "app.js")));
    }

    [Fact]
    public async Task FlushAsync_OneLineEditInLargeFile_SentAsSmallDeltaAlsoAfterRestart()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        var path = Path.Combine(local, "big.txt");
        var lines = Enumerable.Range(0, 60_000).Select(i => $"line {i} the quick brown fox\n").ToArray();
        File.WriteAllText(path, string.Concat(lines));
        var size = new FileInfo(path).Length;

        await using (var first = NewSession(temp, local, remote, out _))
        {
            first.Start();
            await first.FlushAsync().DefaultTimeout();
            var before = first.GetStatus().BytesOnWire;
            lines[30_000] = "edited line\n";
            SaveAtomically(path, string.Concat(lines));
            await first.FlushAsync().DefaultTimeout();
            var status = first.GetStatus();
            Assert.Equal(1, status.DeltasSent);
            Assert.True(status.BytesOnWire - before < size / 50, $"edit cost {status.BytesOnWire - before} bytes on the wire for a {size} byte file");
        }

        lines[100] = "edited after restart\n";
        File.WriteAllText(path, string.Concat(lines));
        await using var second = NewSession(temp, local, remote, out _);
        second.Start();
        await second.FlushAsync().DefaultTimeout();
        var after = second.GetStatus();
        Assert.Equal(1, after.FilesSent);
        Assert.Equal(1, after.DeltasSent);
        Assert.True(after.BytesOnWire < size / 20, $"resumed edit cost {after.BytesOnWire} bytes on the wire");
        TreeAssert.Equal(local, remote);
    }

    [Fact]
    public async Task Restart_UnchangedTreeAndOneEdit_OnlyTheEditIsSent()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        for (var i = 0; i < 30; i++)
        {
            File.WriteAllBytes(Path.Combine(local, $"f{i}.bin"), SessionEndToEndTests.RandomBytes(i, 20_000));
        }

        await using (var first = NewSession(temp, local, remote, out _))
        {
            first.Start();
            await first.FlushAsync().DefaultTimeout();
            Assert.Equal(30, first.GetStatus().FilesSent);
        }

        File.WriteAllText(Path.Combine(local, "f3.bin"), "changed while the daemon was down");
        await using var second = NewSession(temp, local, remote, out _);
        second.Start();
        await second.FlushAsync().DefaultTimeout();
        var status = second.GetStatus();
        Assert.Equal(1, status.FilesSent);
        Assert.Equal(new FileInfo(Path.Combine(local, "f3.bin")).Length, status.BytesSentRaw);
        TreeAssert.Equal(local, remote);
    }

    [Fact]
    public async Task Woke_LinkOpenedBeforeTheSleep_BreaksItAndSyncsOverANewOne()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        File.WriteAllText(Path.Combine(local, "before.txt"), "before");
        await using var session = NewSession(temp, local, remote, out var connector);
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        var first = connector.LastProcess!.Id;

        Assert.True(session.Woke(TimeProvider.System.GetTimestamp()));

        // The old agent's link is closed under it; a new agent serves the next edit.
        File.WriteAllText(Path.Combine(local, "after.txt"), "after the sleep");
        await session.FlushAsync().DefaultTimeout();
        Assert.NotEqual(first, connector.LastProcess!.Id);
        Assert.Equal("after the sleep", File.ReadAllText(Path.Combine(remote, "after.txt")));
        TreeAssert.Equal(local, remote);
    }

    [Fact]
    public async Task Woke_LinkOpenedAfterTheSleep_LeavesItUp()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        var asleepSince = TimeProvider.System.GetTimestamp();
        await using var session = NewSession(temp, local, remote, out var connector);
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        var first = connector.LastProcess!;

        Assert.False(session.Woke(asleepSince));

        File.WriteAllText(Path.Combine(local, "edit.txt"), "same link");
        await session.FlushAsync().DefaultTimeout();
        Assert.Same(first, connector.LastProcess);
        Assert.False(first.HasExited);
        Assert.Equal("same link", File.ReadAllText(Path.Combine(remote, "edit.txt")));
    }

    [Fact]
    public async Task AgentKilledMidTransfer_Reconnects_ConvergesWithoutFullRetransfer()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        const int files = 60;
        const int size = 256 * 1024;
        for (var i = 0; i < files; i++)
        {
            File.WriteAllBytes(Path.Combine(local, $"f{i:00}.bin"), SessionEndToEndTests.RandomBytes(i, size));
        }

        Directory.CreateDirectory(remote);
        using var remoteWatcher = new FileSystemWatcher(remote) { IncludeSubdirectories = true };
        var arrived = 0;
        var tenArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        remoteWatcher.Renamed += (_, e) =>
        {
            if (e.Name?.StartsWith('f') == true && Interlocked.Increment(ref arrived) >= 10)
            {
                tenArrived.TrySetResult();
            }
        };
        remoteWatcher.EnableRaisingEvents = true;

        // The first link stalls after ~12 files' worth of bytes, so the kill lands mid-pass, deterministically.
        var inner = new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan") };
        GatedStream? gated = null;
        var connector = new DelegateAgentConnector("gated", async ct =>
        {
            var stream = await inner.ConnectAsync(ct);
            return gated is null ? gated = new GatedStream(stream, 12L * size) : stream;
        });
        await using var session = new SyncSession(
            new SyncSessionOptions { Name = "t", LocalRoot = local, StateDirectory = temp.Combine("state"), MaxBackoff = TimeSpan.FromMilliseconds(200) },
            connector);
        var errors = 0;
        session.StateChanged += (_, e) =>
        {
            if (e.State == SyncState.Error)
            {
                Interlocked.Increment(ref errors);
            }
        };
        session.Start();
        await tenArrived.Task.DefaultTimeout();
        inner.LastProcess!.Kill();
        gated!.Release();

        await session.FlushAsync().DefaultTimeout();
        TreeAssert.Equal(local, remote);
        var status = session.GetStatus();
        Assert.True(errors >= 1, "the dropped link was not noticed");
        Assert.True(status.BytesSentRaw <= (long)(files - 10) * size, $"resent {status.BytesSentRaw} bytes after the reconnect; files already on the agent were sent again");
        Assert.Empty(Directory.EnumerateFiles(remote, ".yak-tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task RemoteReader_WhileFileReplacedRepeatedly_NeverSeesPartialContent()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        const int size = 1 << 20;
        var path = Path.Combine(local, "data.bin");
        File.WriteAllBytes(path, Enumerable.Repeat((byte)0, size).ToArray());
        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        using var stop = new CancellationTokenSource();
        var remotePath = Path.Combine(remote, "data.bin");
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var content = File.ReadAllBytes(remotePath);
                Assert.Equal(size, content.Length);
                Assert.True(content.AsSpan().IndexOfAnyExcept(content[0]) < 0, "a reader saw a mix of two versions");
                reads++;
            }
        });

        for (byte version = 1; version <= 12; version++)
        {
            // Saved atomically, as editors do: the local side never holds a half-written version either.
            File.WriteAllBytes(path + ".tmp", Enumerable.Repeat(version, size).ToArray());
            File.Move(path + ".tmp", path, overwrite: true);
            await session.FlushAsync().DefaultTimeout();
        }

        await stop.CancelAsync();
        await reader.DefaultTimeout();
        Assert.True(reads > 0);
        Assert.Equal(12, File.ReadAllBytes(remotePath)[0]);
    }

    [Fact]
    public async Task FlushAsync_AwkwardNames_ReplicatedExactly()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        string[] names = ["with space.txt", "ünïcødé — 名前.md", "new\nline", "tab\there", "#hash", "-dash", ".hidden", "quote'\"", "back\\slash-is-refused"];
        Directory.CreateDirectory(Path.Combine(local, "dir with space"));
        foreach (var name in names)
        {
            File.WriteAllText(Path.Combine(local, "dir with space", name), name);
        }

        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        // A backslash in a name is refused by the agent's validator (it is a path separator elsewhere); all else arrives.
        TreeAssert.Equal(local, remote, p => !p.Contains('\\', StringComparison.Ordinal));
        var status = session.GetStatus();
        Assert.Equal(1, status.Problems);
        Assert.Contains("backslash", status.LastProblem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Symlinks_InsideRootReplicated_EscapingOnesRefused()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        Directory.CreateDirectory(Path.Combine(local, "a"));
        File.WriteAllText(Path.Combine(local, "a", "target.txt"), "t");
        File.CreateSymbolicLink(Path.Combine(local, "a", "ok"), "target.txt");
        File.CreateSymbolicLink(Path.Combine(local, "up"), "a/../a/target.txt");
        File.CreateSymbolicLink(Path.Combine(local, "escape"), "../../etc/passwd");
        File.CreateSymbolicLink(Path.Combine(local, "absolute"), "/etc/passwd");

        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        Assert.Equal("target.txt", new FileInfo(Path.Combine(remote, "a", "ok")).LinkTarget);
        Assert.Equal("a/../a/target.txt", new FileInfo(Path.Combine(remote, "up")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(remote, "escape")) || new FileInfo(Path.Combine(remote, "escape")).LinkTarget is not null);
        Assert.Null(new FileInfo(Path.Combine(remote, "absolute")).LinkTarget);
        Assert.Equal(2, session.GetStatus().Problems);

        // Problems are the current set, not a running count; fixing the link clears its entry.
        await session.FlushAsync().DefaultTimeout();
        Assert.Equal(["absolute", "escape"], session.GetStatus().ProblemPaths);
        File.Delete(Path.Combine(local, "absolute"));
        await session.FlushAsync().DefaultTimeout();
        Assert.Equal(["escape"], session.GetStatus().ProblemPaths);
    }

    [Fact]
    public async Task PauseResume_ChangesWhilePaused_PushedAfterResume()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        File.WriteAllText(Path.Combine(local, "a.txt"), "1");
        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        session.Pause();
        await SessionEndToEndTests.WaitForStateAsync(session, SyncState.Paused);
        await Assert.ThrowsAsync<InvalidOperationException>(() => session.FlushAsync()).DefaultTimeout();
        File.WriteAllText(Path.Combine(local, "a.txt"), "2");
        session.Resume();
        await session.FlushAsync().DefaultTimeout();
        Assert.Equal("2", File.ReadAllText(Path.Combine(remote, "a.txt")));
    }

    [Fact]
    public async Task SessionDisposedMidTransfer_Restarted_ResumesWithoutFullRetransfer()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        const int files = 40;
        const int size = 256 * 1024;
        for (var i = 0; i < files; i++)
        {
            File.WriteAllBytes(Path.Combine(local, $"f{i:00}.bin"), SessionEndToEndTests.RandomBytes(i, size));
        }

        Directory.CreateDirectory(remote);
        using var remoteWatcher = new FileSystemWatcher(remote);
        var arrived = 0;
        var tenArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        remoteWatcher.Renamed += (_, e) =>
        {
            if (e.Name?.StartsWith('f') == true && Interlocked.Increment(ref arrived) >= 10)
            {
                tenArrived.TrySetResult();
            }
        };
        remoteWatcher.EnableRaisingEvents = true;

        // The link stalls (a hung agent) after ~12 files; dispose must still return promptly and save what was confirmed.
        var inner = new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan") };
        var stalled = new DelegateAgentConnector("stalling", async ct => new GatedStream(await inner.ConnectAsync(ct), 12L * size));
        var options = new SyncSessionOptions { Name = "t", LocalRoot = local, StateDirectory = temp.Combine("state") };
        var first = new SyncSession(options, stalled);
        first.Start();
        await tenArrived.Task.DefaultTimeout();
        await first.DisposeAsync().DefaultTimeout();
        Assert.Equal(SyncState.Stopped, first.State);

        await using var second = new SyncSession(options, new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan") });
        second.Start();
        await second.FlushAsync().DefaultTimeout();
        TreeAssert.Equal(local, remote);
        Assert.True(second.GetStatus().BytesSentRaw <= (long)(files - 10) * size, $"the restarted session resent {second.GetStatus().BytesSentRaw} bytes");
    }

    [Fact]
    public async Task LocalFolderVanishes_RemoteKeptAndErrorReported()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        File.WriteAllText(Path.Combine(local, "precious.txt"), "keep me");
        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        var error = SessionEndToEndTests.WaitForStateAsync(session, SyncState.Error);
        Directory.Delete(local, recursive: true);
        _ = session.FlushAsync();
        await error.DefaultTimeout();
        Assert.Contains("missing", session.GetStatus().LastError, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(remote, "precious.txt")));

        Directory.CreateDirectory(local);
        File.WriteAllText(Path.Combine(local, "precious.txt"), "back");
        await session.FlushAsync().DefaultTimeout();
        Assert.Equal("back", File.ReadAllText(Path.Combine(remote, "precious.txt")));

        // Watching resumed on the re-created folder: a save arrives without a flush.
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Synced += (_, _) =>
        {
            if (File.Exists(Path.Combine(remote, "later.txt")))
            {
                synced.TrySetResult();
            }
        };
        File.WriteAllText(Path.Combine(local, "later.txt"), "watched again");
        await synced.Task.DefaultTimeout();
    }

    [Fact]
    public async Task FolderRenamed_ContentCopiedOnAgentNotResent()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        Directory.CreateDirectory(Path.Combine(local, "old", "deep"));
        for (var i = 0; i < 10; i++)
        {
            File.WriteAllBytes(Path.Combine(local, "old", "deep", $"f{i}.bin"), SessionEndToEndTests.RandomBytes(i, 50_000));
        }

        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        var before = session.GetStatus();

        Directory.Move(Path.Combine(local, "old"), Path.Combine(local, "new"));
        File.Copy(Path.Combine(local, "new", "deep", "f0.bin"), Path.Combine(local, "dup.bin"));
        await session.FlushAsync().DefaultTimeout();

        TreeAssert.Equal(local, remote);
        var after = session.GetStatus();
        Assert.Equal(11, after.FilesCopiedRemotely - before.FilesCopiedRemotely);
        Assert.Equal(before.BytesSentRaw, after.BytesSentRaw);
        Assert.True(after.BytesOnWire - before.BytesOnWire < 5_000, $"a rename cost {after.BytesOnWire - before.BytesOnWire} bytes");
    }

    [Fact]
    public async Task KindChanges_FileToFolderAndBack_Replicated()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        File.WriteAllText(Path.Combine(local, "x"), new string('x', 5000));
        Directory.CreateDirectory(Path.Combine(local, "y", "inner"));
        File.WriteAllText(Path.Combine(local, "y", "inner", "f"), new string('y', 5000));
        File.CreateSymbolicLink(Path.Combine(local, "z"), "x");
        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        File.Delete(Path.Combine(local, "x"));
        Directory.CreateDirectory(Path.Combine(local, "x"));
        File.WriteAllText(Path.Combine(local, "x", "f"), new string('y', 5000)); // same content as y/inner/f: a copy
        Directory.Delete(Path.Combine(local, "y"), recursive: true);
        File.WriteAllText(Path.Combine(local, "y"), "now a file");
        File.Delete(Path.Combine(local, "z"));
        Directory.CreateDirectory(Path.Combine(local, "z"));
        await session.FlushAsync().DefaultTimeout();
        TreeAssert.Equal(local, remote);

        Directory.Delete(Path.Combine(local, "z"));
        File.CreateSymbolicLink(Path.Combine(local, "z"), "y");
        await session.FlushAsync().DefaultTimeout();
        TreeAssert.Equal(local, remote);
        Assert.Equal(0, session.GetStatus().Problems);
    }

    [Fact]
    public async Task RepeatedEdits_OnlyTheCurrentSignatureIsKept()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        var path = Path.Combine(local, "big.bin");
        var data = SessionEndToEndTests.RandomBytes(1, 200_000);
        File.WriteAllBytes(path, data);
        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        for (var i = 0; i < 3; i++)
        {
            data[i * 1000] ^= 0xFF;
            File.WriteAllBytes(path + ".new", data); // saved atomically, so the watcher never sees a half-written version
            File.Move(path + ".new", path, overwrite: true);
            await session.FlushAsync().DefaultTimeout();
        }

        Assert.Equal(3, session.GetStatus().DeltasSent);
        var store = new SessionStore(temp.Combine("state"));
        Assert.Equal(1, store.SignatureCount); // the pack as on disk (a fresh store reads it)
        Assert.Equal(data.Length, store.LoadSignature(Hashing.Digest.Of(data))!.Length);
        TreeAssert.Equal(local, remote);
    }

    [Fact]
    public async Task SparseFile_SyncedCompressedAndEditedAsDelta()
    {
        using var temp = new TempDirectory();
        var (local, remote) = Roots(temp);
        var path = Path.Combine(local, "disk.img");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.SetLength(64L << 20); // a hole: reads as zeros, occupies no blocks
            stream.Position = 40L << 20;
            stream.Write("superblock"u8);
        }

        await using var session = NewSession(temp, local, remote, out _, compress: true); // as a pod link compresses
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        var first = session.GetStatus();
        Assert.True(first.BytesOnWire < 1 << 20, $"64 MiB of mostly zeros took {first.BytesOnWire} bytes on the wire");

        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.Position = 10L << 20;
            stream.Write("journal entry"u8);
        }

        await session.FlushAsync().DefaultTimeout();
        var second = session.GetStatus();
        Assert.Equal(1, second.DeltasSent);
        Assert.True(second.BytesOnWire - first.BytesOnWire < 64 << 10, $"a 13-byte edit took {second.BytesOnWire - first.BytesOnWire} bytes");
        TreeAssert.Equal(local, remote);
    }
}
