using Yak.Sync.Link;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

public sealed class SessionEndToEndTests
{
    private static SyncSession NewSession(TempDirectory temp, string local, string remote, out LocalAgentConnector connector, string state = "state")
    {
        connector = new LocalAgentConnector(remote) { AgentCachePath = temp.Combine("agent.scan") };
        return new SyncSession(new SyncSessionOptions { Name = "test", LocalRoot = local, StateDirectory = temp.Combine(state) }, connector);
    }

    [Fact]
    public async Task FlushAsync_FreshTree_RemoteEqualsLocal()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        var remote = temp.Combine("remote");
        Directory.CreateDirectory(Path.Combine(local, "src", "deep"));
        File.WriteAllText(Path.Combine(local, "src", "a.txt"), "hello");
        File.WriteAllBytes(Path.Combine(local, "src", "deep", "big.bin"), RandomBytes(1, 300_000));
        File.WriteAllText(Path.Combine(local, "run.sh"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(local, "run.sh"), (UnixFileMode)0b111_101_101);
        File.CreateSymbolicLink(Path.Combine(local, "link"), "src/a.txt");

        await using var session = NewSession(temp, local, remote, out _);
        session.Start();
        await session.FlushAsync().DefaultTimeout();

        TreeAssert.Equal(local, remote);
        Assert.Equal(SyncState.Watching, await WaitForStateAsync(session, SyncState.Watching).DefaultTimeout());
    }

    internal static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static async Task<SyncState> WaitForStateAsync(SyncSession session, SyncState wanted)
    {
        var reached = new TaskCompletionSource<SyncState>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(object? sender, SyncStateChangedEventArgs e)
        {
            if (e.State == wanted)
            {
                reached.TrySetResult(e.State);
            }
        }

        session.StateChanged += Handler;
        try
        {
            if (session.State == wanted)
            {
                return wanted;
            }

            return await reached.Task.DefaultTimeout();
        }
        finally
        {
            session.StateChanged -= Handler;
        }
    }
}
