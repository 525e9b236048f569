using System.Text;
using Yak.Sync.Hashing;
using Yak.Sync.Link;
using Yak.Sync.Wire;
using Yak.Testing;

namespace Yak.Agent.Tests;

/// <summary>
/// Issue 11.6 on a real file system: the agent's root is a small tmpfs the test fills, frees and remounts read-only.
/// A refused write is a typed error (where, how much is needed, how much is free), leaves no temp entry and no torn
/// file, and the same agent keeps serving.
/// </summary>
public sealed class AgentDiskFullTests
{
    private const long VolumeBytes = 1024 * 1024;

    /// <summary>The agent's stderr lines, awaitable (they arrive on their own thread, after the frames that follow them).</summary>
    private sealed class AgentLog
    {
        private readonly List<string> lines = [];
        private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> waiters = [];

        public void Add(string line)
        {
            lock (lines)
            {
                lines.Add(line);
                foreach (var waiter in waiters.Where(w => w.Match(line)).ToList())
                {
                    waiters.Remove(waiter);
                    waiter.Done.TrySetResult(line);
                }
            }
        }

        public List<string> Lines()
        {
            lock (lines)
            {
                return [.. lines];
            }
        }

        public Task<string> WaitForAsync(Func<string, bool> match)
        {
            lock (lines)
            {
                if (lines.FirstOrDefault(match) is { } seen)
                {
                    return Task.FromResult(seen);
                }

                var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiters.Add((match, done));
                return done.Task;
            }
        }
    }

    private sealed class Agent(LocalAgentConnector connector, AgentClient client, AgentLog log) : IAsyncDisposable
    {
        public AgentClient Client => client;

        public LocalAgentConnector Connector => connector;

        public AgentLog Log => log;

        // Closing the link ends the agent process (ProcessStream owns it).
        public ValueTask DisposeAsync() => client.DisposeAsync();
    }

    private static async Task<Agent> StartAsync(string root, string? cache = null)
    {
        var log = new AgentLog();
        var connector = new LocalAgentConnector(root, log: log.Add) { ExtraArguments = cache is null ? ["--no-cache"] : [], AgentCachePath = cache };
        var stream = await connector.ConnectAsync(CancellationToken.None).DefaultTimeout();
        return new Agent(connector, await AgentClient.ConnectAsync(stream, CancellationToken.None).DefaultTimeout(), log);
    }

    private static Task Put(AgentClient client, string path, byte[] content) =>
        client.SendFile(path, false, new MemoryStream(content), null, default, null).Ack;

    private static async Task<AgentErrorException> Refused(AgentClient client, Task ack)
    {
        await client.FlushAsync().DefaultTimeout();
        return await Assert.ThrowsAsync<AgentErrorException>(() => ack).DefaultTimeout();
    }

    private static async Task Ok(AgentClient client, Task ack)
    {
        await client.FlushAsync().DefaultTimeout();
        await ack.DefaultTimeout();
    }

    private static string[] TempEntries(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, ".yak-tmp-*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })];

    private static byte[] Bytes(int length, byte seed) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed))];

    [Fact]
    public async Task PutFile_DiskFull_NoSpaceWithPathAndSizes_OldContentKeptAndNoTemp()
    {
        using var temp = new TempDirectory();
        using var volume = await TmpfsMount.MountAsync(temp.Combine("root"), VolumeBytes);
        await using var agent = await StartAsync(volume.Path);
        var old = Encoding.UTF8.GetBytes("last good content");
        await Ok(agent.Client, Put(agent.Client, "app/config.json", old));
        volume.Fill();

        var large = Bytes(300 * 1024, 7);
        var error = await Refused(agent.Client, Put(agent.Client, "app/config.json", large));

        Assert.Equal(ErrorCode.NoSpace, error.Code);
        var disk = Assert.IsType<DiskFault>(error.Disk);
        Assert.False(disk.ReadOnly);
        Assert.Equal("app/config.json", disk.Path);
        Assert.Equal(large.Length, disk.BytesNeeded);
        Assert.True(disk.BytesFree < large.Length, $"free {disk.BytesFree}");
        Assert.Contains("no space left", error.AgentMessage, StringComparison.Ordinal);
        Assert.Contains("app/config.json", error.AgentMessage, StringComparison.Ordinal);
        Assert.Equal(old, await File.ReadAllBytesAsync(Path.Combine(volume.Path, "app/config.json")));
        Assert.Empty(TempEntries(volume.Path));

        var space = await agent.Client.GetSpaceAsync(CancellationToken.None).DefaultTimeout();
        Assert.True(space.BytesFree < large.Length);
        Assert.True(space.BytesTotal >= VolumeBytes / 2, $"total {space.BytesTotal}");
        Assert.False(space.ReadOnly);
    }

    [Fact]
    public async Task PutFile_SpaceFreedAfterNoSpace_SameAgentWritesIt()
    {
        using var temp = new TempDirectory();
        using var volume = await TmpfsMount.MountAsync(temp.Combine("root"), VolumeBytes);
        await using var agent = await StartAsync(volume.Path);
        var filler = volume.Fill();
        var content = Bytes(200 * 1024, 3);
        Assert.Equal(ErrorCode.NoSpace, (await Refused(agent.Client, Put(agent.Client, "big.bin", content))).Code);

        File.Delete(filler);
        var space = await agent.Client.GetSpaceAsync(CancellationToken.None).DefaultTimeout();
        Assert.True(space.BytesFree > content.Length, $"free {space.BytesFree}");
        await Ok(agent.Client, Put(agent.Client, "big.bin", content));

        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(volume.Path, "big.bin")));
        Assert.False(agent.Connector.LastProcess!.HasExited);
        Assert.Empty(TempEntries(volume.Path));
    }

    [Fact]
    public async Task PutFile_ManyPipelinedOnFullDisk_EachAnsweredOneLogLineAgentLivesNoTemps()
    {
        // The reproduced crash: the batch commit's parallel fsync threw an AggregateException and the agent died.
        using var temp = new TempDirectory();
        using var volume = await TmpfsMount.MountAsync(temp.Combine("root"), VolumeBytes);
        await using var agent = await StartAsync(volume.Path);
        var files = Enumerable.Range(0, 40).Select(i => ($"f/{i:D2}.bin", Bytes(64 * 1024, (byte)i))).ToList();
        var acks = files.Select(f => Put(agent.Client, f.Item1, f.Item2)).ToList();
        await agent.Client.FlushAsync().DefaultTimeout();

        var written = 0;
        var refused = 0;
        for (var i = 0; i < files.Count; i++)
        {
            try
            {
                await acks[i].DefaultTimeout();
                written++;
                Assert.Equal(files[i].Item2, await File.ReadAllBytesAsync(Path.Combine(volume.Path, files[i].Item1)));
            }
            catch (AgentErrorException e)
            {
                Assert.Equal(ErrorCode.NoSpace, e.Code);
                Assert.Equal(files[i].Item1, e.Disk!.Path);
                refused++;
                Assert.False(File.Exists(Path.Combine(volume.Path, files[i].Item1)));
            }
        }

        Assert.InRange(written, 1, files.Count - 1);
        Assert.Empty(TempEntries(volume.Path));
        Assert.False(agent.Connector.LastProcess!.HasExited);
        var manifest = await agent.Client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();
        Assert.Equal(written, manifest.Entries!.Count(e => e.Key.StartsWith("f/", StringComparison.Ordinal)));

        // One line for the episode, not one per file: the next write that goes through closes it with the count.
        await Ok(agent.Client, agent.Client.Delete("f/00.bin"));
        await Ok(agent.Client, Put(agent.Client, "small.txt", [1, 2, 3]));
        var closed = await agent.Log.WaitForAsync(l => l.Contains("writes succeed again", StringComparison.Ordinal)).DefaultTimeout();
        Assert.Contains($"({refused} refused", closed, StringComparison.Ordinal);
        Assert.Single(agent.Log.Lines(), l => l.Contains("no space left", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PutFile_BufferedFilesRefusedAtCommit_NoTempLeftWhenTheLastAnswerArrives()
    {
        // Found by the sync torture: small files fail only when the batch commit flushes them, and the answer went out
        // before the temp was removed, so a flush that the answer completed could still find a .yak-tmp entry.
        using var temp = new TempDirectory();
        using var volume = await TmpfsMount.MountAsync(temp.Combine("root"), VolumeBytes);
        await using var agent = await StartAsync(volume.Path);
        volume.Fill();
        var acks = Enumerable.Range(0, 20).Select(i => Put(agent.Client, $"small/{i:D2}.txt", Bytes(8 * 1024, (byte)i))).ToList();
        await agent.Client.FlushAsync().DefaultTimeout();

        var last = await Assert.ThrowsAsync<AgentErrorException>(() => acks[^1]).DefaultTimeout();
        var leftAtLastAnswer = TempEntries(volume.Path);

        Assert.Equal(ErrorCode.NoSpace, last.Code);
        Assert.Empty(leftAtLastAnswer);
        foreach (var ack in acks)
        {
            Assert.Equal(ErrorCode.NoSpace, (await Assert.ThrowsAsync<AgentErrorException>(() => ack).DefaultTimeout()).Code);
        }
    }

    [Fact]
    public async Task Requests_ReadOnlyVolume_ReadOnlyErrorsThenWritableAgain()
    {
        using var temp = new TempDirectory();
        using var volume = await TmpfsMount.MountAsync(temp.Combine("root"), VolumeBytes);
        await using var agent = await StartAsync(volume.Path);
        var old = Encoding.UTF8.GetBytes("v1");
        await Ok(agent.Client, Put(agent.Client, "src/main.c", old));
        await volume.RemountReadOnlyAsync();

        var put = await Refused(agent.Client, Put(agent.Client, "src/main.c", Encoding.UTF8.GetBytes("v2")));
        Assert.Equal(ErrorCode.ReadOnly, put.Code);
        Assert.True(put.Disk!.ReadOnly);
        Assert.Equal("src/main.c", put.Disk.Path);
        Assert.Contains("read-only", put.AgentMessage, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.ReadOnly, (await Refused(agent.Client, agent.Client.MakeDirectory("docs"))).Code);
        Assert.Equal(ErrorCode.ReadOnly, (await Refused(agent.Client, agent.Client.Symlink("link", "src/main.c"))).Code);
        Assert.Equal(ErrorCode.ReadOnly, (await Refused(agent.Client, agent.Client.SetExecutable("src/main.c", true))).Code);
        Assert.Equal(ErrorCode.ReadOnly, (await Refused(agent.Client, agent.Client.Delete("src/main.c"))).Code);
        Assert.True((await agent.Client.GetSpaceAsync(CancellationToken.None).DefaultTimeout()).ReadOnly);
        Assert.Equal(old, await File.ReadAllBytesAsync(Path.Combine(volume.Path, "src/main.c")));

        await volume.RemountReadWriteAsync();
        Assert.False((await agent.Client.GetSpaceAsync(CancellationToken.None).DefaultTimeout()).ReadOnly);
        var v2 = Encoding.UTF8.GetBytes("v2");
        await Ok(agent.Client, Put(agent.Client, "src/main.c", v2));
        Assert.Equal(v2, await File.ReadAllBytesAsync(Path.Combine(volume.Path, "src/main.c")));
        Assert.Empty(TempEntries(volume.Path));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbled")]
    [InlineData("empty")]
    public async Task Start_CorruptScanCache_DiscardedWithLogLineAndRebuilt(string damage)
    {
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        var cache = temp.Combine("cache", "scan");
        await File.WriteAllTextAsync(Path.Combine(root, "a.txt"), "alpha");
        await using (var first = await StartAsync(root, cache))
        {
            await first.Client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();
        }

        var bytes = await File.ReadAllBytesAsync(cache);
        Assert.True(bytes.Length > 40);
        byte[] damaged = damage switch
        {
            "truncated" => bytes[..(bytes.Length / 2)],
            "garbled" => [.. bytes[..12], .. Enumerable.Repeat((byte)0xFF, 16), .. bytes[28..]],
            _ => [],
        };
        await File.WriteAllBytesAsync(cache, damaged);

        await using var second = await StartAsync(root, cache);
        var manifest = await second.Client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();

        Assert.Equal(Digest.Of(Encoding.UTF8.GetBytes("alpha")), manifest.Entries!["a.txt"].Digest);
        var line = await second.Log.WaitForAsync(l => l.Contains("discarded", StringComparison.Ordinal)).DefaultTimeout();
        Assert.Contains(cache, line, StringComparison.Ordinal);
        Assert.False(second.Connector.LastProcess!.HasExited);
    }
}
