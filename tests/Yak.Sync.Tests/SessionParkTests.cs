using Yak.Sync.Link;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>An idle session lets its models go (ParkAsync) and reloads them at its next pass, with nothing lost.</summary>
public sealed class SessionParkTests
{
    private const int Files = 30;

    private static SyncSession NewSession(TempDirectory temp, string local, string remote) =>
        new(
            new SyncSessionOptions { Name = "p", LocalRoot = local, StateDirectory = temp.Combine("state"), MaxBackoff = TimeSpan.FromMilliseconds(200) },
            new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan") });

    private static async Task<(string Local, string Remote, SyncSession Session)> SyncedAsync(TempDirectory temp)
    {
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = temp.Combine("remote");
        Directory.CreateDirectory(Path.Combine(local, "sub"));
        for (var i = 0; i < Files; i++)
        {
            File.WriteAllBytes(Path.Combine(local, "sub", $"f{i}.bin"), SessionEndToEndTests.RandomBytes(i, 20_000));
        }

        var session = NewSession(temp, local, remote);
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
