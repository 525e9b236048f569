using Yak.Sync.Link;
using Yak.Sync.Wire;
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

    [Fact]
    public async Task Start_AgentSpeaksAnotherProtocolVersion_ErrorStateWithClearReason()
    {
        using var temp = new TempDirectory();
        var local = Directory.CreateDirectory(temp.Combine("local")).FullName;
        // An agent of another protocol version: it reads the Hello and refuses, as a real old agent would.
        static async Task RefuseAsync(Stream agent)
        {
            await using var owned = agent;
            var hello = await new FrameReader(agent).ReadAsync();
            var writer = new FrameWriter(agent);
            await writer.WriteAsync(MessageType.Error, hello!.Value.RequestId, Messages.Error(ErrorCode.VersionMismatch, "yak-agent 0.0.1 speaks sync protocol 0 but the daemon speaks 1"));
            await writer.FlushAsync();
        }

        var fakeAgents = new System.Collections.Concurrent.ConcurrentBag<Task>();
        var connector = new DelegateAgentConnector("fake:old-agent", ct =>
        {
            var (daemon, agent) = InMemoryDuplex.Create();
            fakeAgents.Add(Task.Run(() => RefuseAsync(agent), CancellationToken.None));
            return Task.FromResult(daemon);
        });
        await using var session = new SyncSession(new SyncSessionOptions { Name = "old", LocalRoot = local, StateDirectory = temp.Combine("state") }, connector);

        var error = WaitForStateAsync(session, SyncState.Error);
        session.Start();
        await error.DefaultTimeout();
        var status = session.GetStatus();
        Assert.Contains("refused the handshake (VersionMismatch)", status.LastError, StringComparison.Ordinal);
        Assert.Contains("speaks sync protocol 0", status.LastError, StringComparison.Ordinal);
        await Task.WhenAll(fakeAgents).DefaultTimeout();
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
