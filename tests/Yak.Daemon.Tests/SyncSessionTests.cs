using System.Security.Cryptography;
using StreamJsonRpc;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>Sync sessions through yakd's RPC, to a local: endpoint (a real yak-agent process).</summary>
public sealed class SyncSessionTests : IAsyncLifetime
{
    private readonly YakSandbox sandbox = new();
    private DaemonProcess daemon = null!;
    private DaemonClient client = null!;

    private string Source => Path.Combine(sandbox.Root, "src");

    private string Replica => Path.Combine(sandbox.Root, "replica");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Source);
        Directory.CreateDirectory(Replica);
        daemon = await DaemonProcess.StartAsync(sandbox);
        client = await daemon.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await client.DisposeAsync();
        await daemon.DisposeAsync();
        sandbox.Dispose();
    }

    [Fact]
    public async Task Create_LocalEndpoint_FlushMakesReplicaEqual()
    {
        WriteTree(Source, files: 40, seed: 1);

        var created = await client.CreateSyncAsync("code", Source, "local:" + Replica, ["*.log"], CancellationToken.None).DefaultTimeout();
        var flushed = await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();

        Assert.Equal("code", created.Name);
        var status = Assert.Single(flushed);
        Assert.Contains(status.State, new[] { SyncSessionState.Syncing, SyncSessionState.Watching });
        Assert.Null(status.LastError);
        Assert.Equal(TreeDigest(Source, exclude: ".log"), TreeDigest(Replica, exclude: ".log"));
        Assert.Empty(Directory.GetFiles(Replica, "*.log", SearchOption.AllDirectories));
        Assert.Equal(1, (await client.StatusAsync(CancellationToken.None).DefaultTimeout()).Sessions.Sync);
    }

    [Fact]
    public async Task Sleep_DaemonStoppedPastTheLateMark_ReconnectsTheLinkAtWakeAndKeepsSyncing()
    {
        // A laptop's sleep as SIGSTOP/SIGCONT: yakd's wake detector (its own ticking thread) must notice at once and
        // hand the reconnect to the sessions, which then go on syncing.
        WriteTree(Source, files: 10, seed: 4);
        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();

        // A link opened after the detector's last tick before a sleep is left alone (it may have been opened after the
        // wake), so the laptop here has been open for two ticks with the link up before it sleeps.
        await Task.Delay(Yak.Daemon.Kube.WakeDetector.Period * 2);
        daemon.Signal(DaemonProcess.SigStop);
        try
        {
            // The sleep itself is the input: longer than a tick period plus the lateness that counts as a sleep.
            await Task.Delay(Yak.Daemon.Kube.WakeDetector.Period + Yak.Daemon.Kube.WakeDetector.Late + TimeSpan.FromSeconds(1));
        }
        finally
        {
            daemon.Signal(DaemonProcess.SigCont);
        }

        var reconnected = SpinWait.SpinUntil(() => DaemonProcess.LogText(sandbox).Contains("reconnecting 1 sync link(s) at once", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        File.WriteAllText(Path.Combine(Source, "after-wake.txt"), "awake");
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();

        Assert.True(reconnected, "no reconnect logged after the wake");
        Assert.Equal(TreeDigest(Source), TreeDigest(Replica));
    }

    [Fact]
    public async Task Restart_AfterKill_ResumesWithoutFullRetransfer()
    {
        WriteTree(Source, files: 60, seed: 2);
        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();
        await client.DisposeAsync();
        daemon.KillHard();
        await daemon.WaitForExitAsync().DefaultTimeout();

        File.WriteAllText(Path.Combine(Source, "changed-while-down.txt"), "new");
        File.Delete(Path.Combine(Source, "d0", "f0.bin"));
        await daemon.DisposeAsync();
        daemon = await DaemonProcess.StartAsync(sandbox);
        client = await daemon.ConnectAsync().DefaultTimeout();
        var status = Assert.Single(await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout());

        Assert.Equal(TreeDigest(Source), TreeDigest(Replica));
        Assert.Equal(1, status.FilesSent);
        Assert.Equal(1, status.FilesDeleted);
        Assert.True(status.BytesSentRaw < 100, $"only the changed file should move, sent {status.BytesSentRaw} bytes");
    }

    [Fact]
    public async Task Restart_SessionCannotBeResumed_ListedInErrorWithTheReasonUntilTerminated()
    {
        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();
        await client.CreateSyncAsync("other", Source, "local:" + Replica + "-other", [], CancellationToken.None).DefaultTimeout();
        await client.DisposeAsync();
        daemon.KillHard();
        await daemon.WaitForExitAsync().DefaultTimeout();
        await daemon.DisposeAsync();
        var registry = Directory.GetFiles(sandbox.StateHome, "sessions.json", SearchOption.AllDirectories).Single();
        File.WriteAllText(registry, File.ReadAllText(registry).Replace("local:" + Replica + "\"", "nosuch:" + Replica + "\"", StringComparison.Ordinal));

        daemon = await DaemonProcess.StartAsync(sandbox);
        client = await daemon.ConnectAsync().DefaultTimeout();
        var listed = await client.ListSyncAsync(CancellationToken.None).DefaultTimeout();

        var broken = Assert.Single(listed, s => s.Name == "code");
        Assert.Equal(SyncSessionState.Error, broken.State);
        Assert.Contains("not resumed when yakd started", broken.LastError, StringComparison.Ordinal);
        Assert.Contains("nosuch", broken.LastError, StringComparison.Ordinal);
        Assert.Equal("YAK1102", broken.LastErrorCode);
        Assert.Contains(listed, s => s.Name == "other" && s.State != SyncSessionState.Error);
        var flush = await Assert.ThrowsAsync<RemoteInvocationException>(() => client.FlushSyncAsync("code", CancellationToken.None)).DefaultTimeout();
        Assert.Contains("yakctl sync terminate code", flush.Message, StringComparison.Ordinal);

        await client.TerminateSyncAsync("code", CancellationToken.None).DefaultTimeout();

        Assert.DoesNotContain(await client.ListSyncAsync(CancellationToken.None).DefaultTimeout(), s => s.Name == "code");
    }

    [Fact]
    public async Task Pause_ThenRestart_StaysPausedUntilResumed()
    {
        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();

        var paused = Assert.Single(await client.PauseSyncAsync("code", CancellationToken.None).DefaultTimeout());
        Assert.Equal(SyncSessionState.Paused, paused.State);
        await client.DisposeAsync();
        daemon.Signal(DaemonProcess.SigTerm);
        await daemon.WaitForExitAsync().DefaultTimeout();
        await daemon.DisposeAsync();
        File.WriteAllText(Path.Combine(Source, "while-paused.txt"), "later");
        daemon = await DaemonProcess.StartAsync(sandbox);
        client = await daemon.ConnectAsync().DefaultTimeout();

        Assert.Equal(SyncSessionState.Paused, Assert.Single(await client.SyncStatusAsync("code", CancellationToken.None).DefaultTimeout()).State);
        await client.ResumeSyncAsync("code", CancellationToken.None).DefaultTimeout();
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();
        Assert.Equal("later", File.ReadAllText(Path.Combine(Replica, "while-paused.txt")));
    }

    [Fact]
    public async Task LocalFolderDeleted_SessionErrsWithItsCodeAndKeepsTheReplica()
    {
        File.WriteAllText(Path.Combine(Source, "kept.txt"), "kept");
        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();
        var changed = new SemaphoreSlim(0);
        client.EventReceived += (_, _) => changed.Release();
        await client.SubscribeAsync([EventTopics.Sync], CancellationToken.None).DefaultTimeout();

        Directory.Delete(Source, recursive: true);
        SyncSessionInfo session;
        while ((session = Assert.Single(await client.ListSyncAsync(CancellationToken.None).DefaultTimeout())).State != SyncSessionState.Error)
        {
            await changed.WaitAsync().DefaultTimeout();
        }

        Assert.Equal("YAK3007", session.LastErrorCode);
        Assert.Contains(Source, session.LastError, StringComparison.Ordinal);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(Replica, "kept.txt")));
    }

    [Fact]
    public async Task Events_Subscriber_SeesStateChangesAndSyncs()
    {
        var events = System.Threading.Channels.Channel.CreateUnbounded<EventNotification>();
        client.EventReceived += (_, e) => events.Writer.TryWrite(e);
        await client.SubscribeAsync([EventTopics.Sync], CancellationToken.None).DefaultTimeout();
        File.WriteAllText(Path.Combine(Source, "a.txt"), "a");

        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();

        var kinds = new HashSet<string>();
        while (!(kinds.Contains("stateChanged") && kinds.Contains("synced")))
        {
            var e = await events.Reader.ReadAsync().AsTask().DefaultTimeout();
            Assert.Equal(EventTopics.Sync, e.Topic);
            Assert.Equal("code", e.Subject);
            kinds.Add(e.Kind);
        }
    }

    [Fact]
    public async Task Terminate_RemovesSessionAndItsState()
    {
        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();
        await client.FlushSyncAsync("code", CancellationToken.None).DefaultTimeout();

        await client.TerminateSyncAsync("code", CancellationToken.None).DefaultTimeout();

        Assert.Empty(await client.ListSyncAsync(CancellationToken.None).DefaultTimeout());
        Assert.False(Directory.Exists(Path.Combine(sandbox.StateHome, "yak", "sync", "code")));
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => client.SyncStatusAsync("code", CancellationToken.None)).DefaultTimeout();
        Assert.Equal(ErrorCodes.NotFound, error.ErrorCode);
    }

    [Theory]
    [InlineData("missing-folder", "local:/tmp/x", "does not exist")]
    [InlineData("", "ftp://host/x", "not a sync endpoint")]
    [InlineData("", "local:relative/path", "absolute")]
    [InlineData("", "pod:ns-only:/code", "pod:NAMESPACE/POD")]
    [InlineData("", "local:{src}/inside", "overlap")]
    public async Task Create_BadInput_IsRefusedWithReason(string localSuffix, string endpoint, string expected)
    {
        var local = localSuffix.Length == 0 ? Source : Path.Combine(sandbox.Root, localSuffix);

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => client.CreateSyncAsync("x", local, endpoint.Replace("{src}", Source, StringComparison.Ordinal), [], CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ErrorCodes.InvalidArgument, error.ErrorCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(await client.ListSyncAsync(CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task Create_DuplicateName_IsRefused()
    {
        await client.CreateSyncAsync("code", Source, "local:" + Replica, [], CancellationToken.None).DefaultTimeout();

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => client.CreateSyncAsync("code", Source, "local:" + Path.Combine(sandbox.Root, "other"), [], CancellationToken.None)).DefaultTimeout();

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
    }

    private static void WriteTree(string root, int files, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < files; i++)
        {
            var folder = Path.Combine(root, $"d{i % 7}");
            Directory.CreateDirectory(folder);
            var bytes = new byte[random.Next(0, 20_000)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(folder, $"f{i / 7}.bin"), bytes);
        }

        File.WriteAllText(Path.Combine(root, "noise.log"), "ignored");
    }

    private static string TreeDigest(string root, string? exclude = null)
    {
        var lines = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Where(p => exclude is null || !p.EndsWith(exclude, StringComparison.Ordinal))
            .Select(p => (Relative: Path.GetRelativePath(root, p), Path: p))
            .OrderBy(p => p.Relative, StringComparer.Ordinal)
            .Select(p => File.Exists(p.Path) ? $"{p.Relative} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p.Path)))}" : $"{p.Relative}/");
        return string.Join('\n', lines);
    }
}
