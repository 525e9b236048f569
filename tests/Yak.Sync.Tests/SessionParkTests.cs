using Microsoft.Extensions.Time.Testing;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>An idle session lets its models go (ParkAsync) and reloads them at its next pass, with nothing lost.</summary>
public sealed class SessionParkTests
{
    private const int Files = 30;

    private static readonly DateTime LongAgo = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static SyncSession NewSession(TempDirectory temp, string local, string remote, TimeProvider? time = null, Action<string>? log = null) =>
        new(
            new SyncSessionOptions { Name = "p", LocalRoot = local, StateDirectory = temp.Combine("state"), MaxBackoff = TimeSpan.FromMilliseconds(200), Time = time ?? TimeProvider.System, Log = log },
            new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan") });

    private static async Task<(string Local, string Remote, SyncSession Session)> SyncedAsync(TempDirectory temp, TimeProvider? time = null, Action<string>? log = null)
    {
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = temp.Combine("remote");
        Directory.CreateDirectory(Path.Combine(local, "sub"));
        for (var i = 0; i < Files; i++)
        {
            File.WriteAllBytes(Path.Combine(local, "sub", $"f{i}.bin"), SessionEndToEndTests.RandomBytes(i, 20_000));
        }

        var session = NewSession(temp, local, remote, time, log);
        session.Start();
        await session.FlushAsync().DefaultTimeout();
        await SessionEndToEndTests.WaitForStateAsync(session, SyncState.Watching).DefaultTimeout();
        return (local, remote, session);
    }

    [Fact]
    public async Task ParkAsync_IdleSession_ModelsLeaveMemoryAndTheNextEditSendsOnlyItself()
    {
        using var temp = new TempDirectory();
        var (local, remote, session) = await SyncedAsync(temp);
        await using var owned = session;
        var before = session.GetStatus();

        Assert.True(await session.ParkAsync().DefaultTimeout());
        Assert.True(session.IsParked);
        var parked = session.GetStatus();
        Assert.Equal(before.LocalEntries, parked.LocalEntries); // counts kept for status while parked
        Assert.Equal(before.RemoteEntries, parked.RemoteEntries);
        Assert.Equal(Files + 1, parked.LocalEntries);

        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Synced += (_, e) =>
        {
            if (e.Changes > 0)
            {
                synced.TrySetResult();
            }
        };
        File.WriteAllText(Path.Combine(local, "sub", "f3.bin"), "edited after idling");
        await synced.Task.DefaultTimeout(); // through the watcher: an incremental pass on reloaded models
        Assert.False(session.IsParked);
        await session.FlushAsync().DefaultTimeout();

        var after = session.GetStatus();
        Assert.Equal(before.FilesSent + 1, after.FilesSent);
        Assert.Equal(Files + 1, after.LocalEntries);
        TreeAssert.Equal(local, remote);
    }

    [Fact]
    public async Task ParkAsync_NothingRanSinceTheLastSave_DoesNotRewriteTheModels()
    {
        using var temp = new TempDirectory();
        var (_, _, session) = await SyncedAsync(temp);
        await using var owned = session;
        var saved = ModelFiles(temp);
        foreach (var path in saved)
        {
            File.SetLastWriteTimeUtc(path, LongAgo); // a rewrite (temp + rename) would carry the current time
        }

        Assert.True(await session.ParkAsync().DefaultTimeout());

        Assert.All(saved, path => Assert.Equal(LongAgo, File.GetLastWriteTimeUtc(path)));
    }

    [Fact]
    public async Task ParkAsync_AfterAnEdit_TheSavedModelsHoldTheEdit()
    {
        using var temp = new TempDirectory();
        var (local, _, session) = await SyncedAsync(temp);
        await using var owned = session;
        var synced = SyncedWithChanges(session);
        const string Edit = "edited before idling";
        File.WriteAllText(Path.Combine(local, "sub", "f5.bin"), Edit);
        await synced.DefaultTimeout();

        Assert.True(await session.ParkAsync().DefaultTimeout());

        foreach (var path in ModelFiles(temp))
        {
            var saved = Snapshot.TryLoad(path);
            Assert.NotNull(saved);
            Assert.Equal(Edit.Length, saved.Entries["sub/f5.bin"].Size);
        }
    }

    [Fact]
    public async Task Edit_WhileParked_ModelsReloadBeforeTheWatcherDeliversAndTheEditIsSentOnce()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider(); // holds the watcher's quiet window open until the test advances it
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (local, remote, session) = await SyncedAsync(temp, time, line =>
        {
            if (line.Contains("models reloaded after idling", StringComparison.Ordinal))
            {
                reloaded.TrySetResult();
            }
        });
        await using var owned = session;
        var sentBefore = session.GetStatus().FilesSent;
        Assert.True(await session.ParkAsync().DefaultTimeout());

        File.WriteAllText(Path.Combine(local, "sub", "f3.bin"), "edited after idling");
        await reloaded.Task.DefaultTimeout();

        // Reloaded on the raw event: the change itself is still in the watcher's quiet window, nothing is sent yet.
        Assert.False(session.IsParked);
        var waiting = session.GetStatus();
        Assert.Equal(0, waiting.PendingChanges);
        Assert.Equal(sentBefore, waiting.FilesSent);

        var synced = SyncedWithChanges(session);
        time.Advance(TimeSpan.FromSeconds(1));
        await synced.DefaultTimeout();
        await session.FlushAsync().DefaultTimeout();

        Assert.Equal(sentBefore + 1, session.GetStatus().FilesSent);
        TreeAssert.Equal(local, remote);
    }

    [Fact]
    public async Task ParkAsync_BetweenTheEarlyReloadAndTheChange_ParksAgainAndTheEditIsSentOnce()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider();
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (local, remote, session) = await SyncedAsync(temp, time, line =>
        {
            if (line.Contains("models reloaded after idling", StringComparison.Ordinal))
            {
                reloaded.TrySetResult();
            }
        });
        await using var owned = session;
        var sentBefore = session.GetStatus().FilesSent;
        Assert.True(await session.ParkAsync().DefaultTimeout());
        File.WriteAllText(Path.Combine(local, "sub", "f4.bin"), "edited after idling");
        await reloaded.Task.DefaultTimeout();

        // The trim parks again while the change is still in the watcher's quiet window: the pass reloads them itself.
        Assert.True(await session.ParkAsync().DefaultTimeout());
        Assert.True(session.IsParked);
        var synced = SyncedWithChanges(session);
        time.Advance(TimeSpan.FromSeconds(1));
        await synced.DefaultTimeout();
        await session.FlushAsync().DefaultTimeout();

        Assert.Equal(sentBefore + 1, session.GetStatus().FilesSent);
        TreeAssert.Equal(local, remote);
    }

    private static string[] ModelFiles(TempDirectory temp) =>
        [Path.Combine(temp.Combine("state"), "local-scan.bin"), Path.Combine(temp.Combine("state"), "remote-manifest.bin")];

    private static Task SyncedWithChanges(SyncSession session)
    {
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Synced += (_, e) =>
        {
            if (e.Changes > 0)
            {
                synced.TrySetResult();
            }
        };
        return synced.Task;
    }

    [Fact]
    public async Task ParkAsync_SavedStateGarbledWhileParked_ReconnectsAndSendsOnlyTheEdit()
    {
        using var temp = new TempDirectory();
        var (local, remote, session) = await SyncedAsync(temp);
        await using var owned = session;
        var sentBefore = session.GetStatus().FilesSent;
        Assert.True(await session.ParkAsync().DefaultTimeout());

        // Both models' files garbled on disk: neither may be trusted, and nothing may be resent because of it.
        foreach (var name in new[] { "remote-manifest.bin", "local-scan.bin" })
        {
            var path = Path.Combine(temp.Combine("state"), name);
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(path, bytes);
        }

        File.WriteAllText(Path.Combine(local, "sub", "f7.bin"), "edited after idling");
        await session.FlushAsync().DefaultTimeout();

        Assert.Equal(sentBefore + 1, session.GetStatus().FilesSent);
        TreeAssert.Equal(local, remote);
    }

    [Fact]
    public async Task ParkAsync_SessionNotWatching_AnswersFalseAndKeepsModels()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        await using var session = NewSession(temp, local, temp.Combine("remote"));

        Assert.False(await session.ParkAsync().DefaultTimeout()); // not started: connecting, not idle
        Assert.False(session.IsParked);
    }
}
