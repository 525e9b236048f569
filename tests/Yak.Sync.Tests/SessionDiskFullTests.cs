using System.Collections.Concurrent;
using Yak.Sync.Link;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>
/// Issue 11.6 through a whole session and a real agent whose volume is a small tmpfs: a full or read-only replica is
/// an error (status, event, failed flush) that names where, what and how much; the replica keeps its last good files;
/// the session resumes by itself when there is room. And state files found corrupt are discarded with a log line.
/// </summary>
public sealed class SessionDiskFullTests
{
    private const long VolumeBytes = 1024 * 1024;

    private static (SyncSession Session, ConcurrentQueue<string> Log) NewSession(TempDirectory temp, string local, string remote)
    {
        var log = new ConcurrentQueue<string>();
        var connector = new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan") };
        var options = new SyncSessionOptions { Name = "disk", LocalRoot = local, StateDirectory = temp.Combine("state"), Log = log.Enqueue };
        return (new SyncSession(options, connector), log);
    }

    private static string[] TempEntries(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, ".yak-tmp-*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })];

    private static Task<SyncedEventArgs> NextFullSyncAsync(SyncSession session)
    {
        var synced = new TaskCompletionSource<SyncedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(object? sender, SyncedEventArgs e)
        {
            if (e.Full)
            {
                session.Synced -= Handler;
                synced.TrySetResult(e);
            }
        }

        session.Synced += Handler;
        return synced.Task;
    }

    [Fact]
    public async Task FlushAsync_ReplicaDiskFull_ErrorNamesPathAndSpace_ThenResumesByItselfWhenFreed()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        using var volume = await TmpfsMount.MountAsync(temp.Combine("volume"), VolumeBytes);
        var remote = Path.Combine(volume.Path, "code");
        await File.WriteAllTextAsync(Path.Combine(local, "app.py"), "print('v1')\n");
        var (session, _) = NewSession(temp, local, remote);
        await using var owned = session;
        var faults = new ConcurrentQueue<ReplicaDiskFullEventArgs>();
        session.ReplicaDiskFull += (_, e) => faults.Enqueue(e);
        var errors = new ConcurrentQueue<string?>();
        session.StateChanged += (_, e) =>
        {
            if (e.State == SyncState.Error)
            {
                errors.Enqueue(e.Reason);
            }
        };
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        var filler = volume.Fill(); // beside the replica, not in it: the sync would delete it as an extra file
        await File.WriteAllTextAsync(Path.Combine(local, "app.py"), "print('v2')\n");
        await File.WriteAllBytesAsync(Path.Combine(local, "model.bin"), SessionEndToEndTests.RandomBytes(5, 400_000));
        var error = await Assert.ThrowsAsync<ReplicaDiskFullException>(() => session.FlushAsync()).DefaultTimeout();

        Assert.False(error.Fault.ReadOnly);
        Assert.Contains(error.Fault.Path, new[] { "app.py", "model.bin" });
        Assert.True(error.BytesNeeded >= 400_000, $"needed {error.BytesNeeded}");
        Assert.True(error.Fault.BytesFree < 400_000, $"free {error.Fault.BytesFree}");
        Assert.Contains($"local:{remote}", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs ", error.Message, StringComparison.Ordinal);
        Assert.Contains(" free", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: free space in the pod's volume", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, session.GetStatus().LastError); // the state itself may be a retry's by now
        Assert.NotNull(session.GetStatus().ReplicaDisk);
        Assert.Contains(error.Message, errors);
        Assert.Equal(error.Message, Assert.Single(faults).Error.Message);
        Assert.Equal("print('v1')\n", await File.ReadAllTextAsync(Path.Combine(remote, "app.py")));
        Assert.False(File.Exists(Path.Combine(remote, "model.bin")));
        Assert.Empty(TempEntries(remote));

        // No flush, no resume: room is enough for the session to finish by itself.
        var resumed = NextFullSyncAsync(session);
        File.Delete(filler);
        await resumed.DefaultTimeout();

        TreeAssert.Equal(local, remote);
        Assert.Empty(TempEntries(remote));
        Assert.Single(faults);
        Assert.Null(session.GetStatus().ReplicaDisk);
        await session.FlushAsync().DefaultTimeout();
    }

    [Fact]
    public async Task FlushAsync_ReplicaReadOnly_ReadOnlyErrorWithFix_ThenResumesWhenWritable()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        using var volume = await TmpfsMount.MountAsync(temp.Combine("volume"), VolumeBytes);
        var remote = Path.Combine(volume.Path, "code");
        await File.WriteAllTextAsync(Path.Combine(local, "main.go"), "package main // v1\n");
        var (session, _) = NewSession(temp, local, remote);
        await using var owned = session;
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        await volume.RemountReadOnlyAsync();
        await File.WriteAllTextAsync(Path.Combine(local, "main.go"), "package main // v2\n");
        var error = await Assert.ThrowsAsync<ReplicaDiskFullException>(() => session.FlushAsync()).DefaultTimeout();

        Assert.True(error.Fault.ReadOnly);
        Assert.Equal("main.go", error.Fault.Path);
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: mount the sync volume read-write", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, session.GetStatus().LastError);
        Assert.Equal("package main // v1\n", await File.ReadAllTextAsync(Path.Combine(remote, "main.go")));

        var resumed = NextFullSyncAsync(session);
        await volume.RemountReadWriteAsync();
        await resumed.DefaultTimeout();

        TreeAssert.Equal(local, remote);
        Assert.Empty(TempEntries(remote));
    }

    [Fact]
    public async Task Start_CorruptStateFiles_DiscardedWithLogLinesAndSessionRebuilds()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = temp.Combine("remote");
        await File.WriteAllTextAsync(Path.Combine(local, "a.txt"), "alpha");
        var large = SessionEndToEndTests.RandomBytes(9, 200_000);
        await File.WriteAllBytesAsync(Path.Combine(local, "large.bin"), large);
        var (first, _) = NewSession(temp, local, remote);
        await using (first)
        {
            first.Start();
            await first.FlushAsync().DefaultTimeout();
        }

        var state = temp.Combine("state");
        var scan = Path.Combine(state, "local-scan.bin");
        var manifest = Path.Combine(state, "remote-manifest.bin");
        var signatures = Path.Combine(state, "signatures.pack");
        await File.WriteAllBytesAsync(scan, (await File.ReadAllBytesAsync(scan))[..20]);
        var garbled = await File.ReadAllBytesAsync(manifest);
        garbled[garbled.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(manifest, garbled);
        var pack = await File.ReadAllBytesAsync(signatures);
        pack[^100] ^= 0x5A; // inside the one record's body: well-formed, only its checksum tells
        await File.WriteAllBytesAsync(signatures, pack);

        var (second, log) = NewSession(temp, local, remote);
        await using var owned = second;
        second.Start();
        await second.FlushAsync().DefaultTimeout();
        large[100] ^= 0xFF; // an edit that would go as a delta against the (discarded) signature
        await File.WriteAllBytesAsync(Path.Combine(local, "large.bin"), large);
        await second.FlushAsync().DefaultTimeout();

        TreeAssert.Equal(local, remote);
        Assert.Contains(log, line => line.Contains($"discarded {scan}: truncated", StringComparison.Ordinal));
        Assert.Contains(log, line => line.Contains($"discarded {manifest}", StringComparison.Ordinal));
        Assert.Contains(log, line => line.Contains("discarded signature", StringComparison.Ordinal) && line.Contains(signatures, StringComparison.Ordinal));
        Assert.All(log.Where(l => l.Contains("discarded", StringComparison.Ordinal)), l => Assert.Contains("warning", l, StringComparison.Ordinal));
    }

    [Fact]
    public void TryLoad_SnapshotWithFlippedDigestByte_ChecksumMismatchDiscarded()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("scan.bin");
        var snapshot = new Scanning.Snapshot();
        snapshot.Entries["a.txt"] = new Scanning.Entry(Scanning.EntryKind.File, 5, 1, 2, false, Hashing.Digest.Of("alpha"u8), null);
        snapshot.Save(path);
        Assert.Equal(5, Scanning.Snapshot.TryLoad(path)!.Entries["a.txt"].Size);

        var bytes = File.ReadAllBytes(path);
        bytes[50] ^= 0x01; // inside the entry's digest: still well-formed, only the checksum tells
        File.WriteAllBytes(path, bytes);
        var reasons = new List<string>();

        Assert.Null(Scanning.Snapshot.TryLoad(path, reasons.Add));
        Assert.Contains("checksum mismatch", Assert.Single(reasons), StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }
}
