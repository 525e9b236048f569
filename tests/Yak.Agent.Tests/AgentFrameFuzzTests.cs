using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using Yak.Sync.Hashing;
using Yak.Sync.Link;
using Yak.Sync.Wire;
using Yak.Testing;

namespace Yak.Agent.Tests;

/// <summary>
/// Mutated frames against a real yak-agent over its real stdin/stdout: the agent answers every request with an Ack or
/// an Error, or ends the connection cleanly (exit 0 or 4); it never crashes, never writes outside its root, and a new
/// connection on the same root and cache is served. Short in the normal suite;
/// <c>YAK_FUZZ_FRAMES=10000 dotnet test tests/Yak.Agent.Tests --filter FullyQualifiedName~AgentFrameFuzzTests</c>
/// is the full size, <c>YAK_FUZZ_SEED</c> replays a run.
/// </summary>
public sealed class AgentFrameFuzzTests(ITestOutputHelper output)
{
    private const int ShortRun = 1500;
    private const int BatchSize = 16;
    // A hang guard, not a timing: a frame can make the agent save its scan cache, whose syncfs waits for every dirty
    // page of the file system, and in CI a build writes gigabytes beside it (a 30 s bound was hit once, on a write).
    private static readonly TimeSpan ProbeBound = TimeSpan.FromSeconds(120);

    private static readonly string[] NastyPaths =
    [
        "../escape", "a/../../escape", "/etc/escape", "a//b", "./a", "nul\0byte", "back\\slash", "", ".", "..", "a/", "/",
        "link/through", "dir/.yak-tmp-x", ".yak-tmp-1", new string('n', 300), string.Join('/', Enumerable.Repeat("d", 400)),
        "ünïcødé/файл", "emoji-\U0001F600", "a\nb", "space name",
    ];

    [Fact]
    public async Task MutatedFrames_RealAgent_NoCrashEveryReplyAnErrorOrClose()
    {
        var frames = int.TryParse(Environment.GetEnvironmentVariable("YAK_FUZZ_FRAMES"), out var n) && n > 0 ? n : ShortRun;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("YAK_FUZZ_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"agent frame fuzz: {frames} frames, seed {seed} (YAK_FUZZ_SEED={seed} replays)");
        var random = new Random(seed);
        using var temp = new TempDirectory();
        var root = Directory.CreateDirectory(temp.Combine("root")).FullName;
        var outside = Directory.CreateDirectory(temp.Combine("outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "keep me");
        File.WriteAllText(Path.Combine(root, "seed.txt"), "seed");
        Directory.CreateDirectory(Path.Combine(root, "dir"));
        File.CreateSymbolicLink(Path.Combine(root, "link"), outside);
        var cache = temp.Combine("cache", "agent.scan");

        var sent = 0;
        var connections = 0;
        uint nextId = 1;
        var replies = new Dictionary<MessageType, int>();
        while (sent < frames)
        {
            connections++;
            await using var agent = await FuzzedAgent.StartAsync(root, cache);
            while (sent < frames)
            {
                // Mostly well-formed requests with some mutated frames, so the agent gets deep into its state before a
                // mutation ends the connection.
                var batch = new List<byte[]>();
                while (batch.Count < BatchSize)
                {
                    batch.AddRange(ValidRequest(random, ref nextId).Select(f => random.Next(5) == 0 ? Mutate(random, f) : f));
                }

                // A broken length prefix desynchronises framing for good: it goes last, then the connection ends.
                var desync = random.Next(12) == 0;
                if (desync)
                {
                    batch.Add(BreakLength(random, ValidRequest(random, ref nextId)[0]));
                }

                foreach (var frame in batch)
                {
                    await agent.SendRawAsync(frame);
                }

                sent += batch.Count;
                var finding = desync ? await agent.EndAsync() : await agent.ProbeAsync();
                Assert.True(finding is null, $"seed {seed}, frame {sent}: {finding}\nbatch:\n{string.Join('\n', batch.Select(f => Convert.ToHexString(f.AsSpan(0, Math.Min(f.Length, 48))) + (f.Length > 48 ? $"… ({f.Length} bytes)" : "")))}");
                if (agent.Closed)
                {
                    break;
                }
            }

            foreach (var (type, count) in agent.Replies)
            {
                replies[type] = replies.GetValueOrDefault(type) + count;
            }
        }

        output.WriteLine($"{sent} frames over {connections} connections; replies: {string.Join(", ", replies.Select(r => $"{r.Key} {r.Value}"))}");

        // Nothing outside the root changed, and a new connection on the same root and cache is served normally.
        Assert.Equal(["secret.txt"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outside, "secret.txt")));
        Assert.Equal([cache], Directory.GetFiles(temp.Combine("cache")));
        var connector = new LocalAgentConnector(root) { AgentCachePath = cache, ExtraArguments = ["--no-fsync"] };
        await using (var client = await AgentClient.ConnectAsync(await connector.ConnectAsync(CancellationToken.None).DefaultTimeout(), CancellationToken.None).DefaultTimeout())
        {
            var put = client.SendFile("after-fuzz.txt", false, new MemoryStream("served"u8.ToArray()), null, default, null);
            await client.FlushAsync().DefaultTimeout();
            await put.Ack.DefaultTimeout();
            var manifest = await client.GetManifestAsync(default, CancellationToken.None).DefaultTimeout();
            Assert.Contains("after-fuzz.txt", manifest.Entries!.Keys);
        }

        Assert.Equal("served", File.ReadAllText(Path.Combine(root, "after-fuzz.txt")));
        // The agent's own temps (a mutated name like '.yak-tmp%!' is an ordinary file it was asked to write).
        Assert.Empty(Directory.EnumerateFileSystemEntries(root, ".yak-tmp-*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }));
    }

    /// <summary>The frames of a well-formed request of a random kind (a file is PutFile, Chunk, End), with random, sometimes hostile, fields.</summary>
    private static List<byte[]> ValidRequest(Random random, ref uint nextId)
    {
        var id = random.Next(10) == 0 ? (uint)random.Next(1, 8) : nextId++;
        var path = random.Next(3) == 0 ? NastyPaths[random.Next(NastyPaths.Length)] : $"f{random.Next(20)}";
        var payload = new PayloadWriter();
        var content = RandomBytes(random, random.Next(4) == 0 ? random.Next(300_000) : random.Next(64));
        MessageType type;
        // A stray Chunk or End (no PutFile before it) ends the connection by design: rarely, so sessions go deep.
        var kind = random.Next(11);
        switch (kind is 1 or 2 && random.Next(8) != 0 ? 0 : kind)
        {
            case 0:
                var put = Frame(MessageType.PutFile, id, new PayloadWriter().String(path).Byte((byte)random.Next(2)).VarLong(content.Length).Written.Span);
                var chunk = Frame(MessageType.Chunk, id, new PayloadWriter().Byte(0).Bytes(content).Written.Span);
                var end = Frame(MessageType.End, id, new PayloadWriter().Digest(random.Next(8) == 0 ? Digest.Empty : Digest.Of(content)).VarLong(content.Length).Written.Span);
                return [put, chunk, end];
            case 1:
                type = MessageType.Chunk;
                payload.Byte(0).Bytes(content);
                break;
            case 2:
                type = MessageType.End;
                payload.Digest(random.Next(2) == 0 ? Digest.Of(content) : Digest.Empty).VarLong(content.Length);
                break;
            case 3:
                type = MessageType.ApplyDelta;
                payload.String(path).Byte(0).Digest(Digest.Of(content)).VarUInt((ulong)random.Next(1, 1 << 20));
                break;
            case 4:
                type = MessageType.CopyFile;
                payload.String(path).Byte(0).String(random.Next(2) == 0 ? "seed.txt" : NastyPaths[random.Next(NastyPaths.Length)]).Digest(Digest.Of("seed"u8)).VarLong(4);
                break;
            case 5:
                type = MessageType.Delete;
                payload.String(path);
                break;
            case 6:
                type = MessageType.MakeDir;
                payload.String(path).Byte(0);
                break;
            case 7:
                type = MessageType.SetMode;
                payload.String(path).Byte((byte)random.Next(2));
                break;
            case 8:
                type = MessageType.Symlink;
                payload.String(path).String(random.Next(2) == 0 ? "seed.txt" : NastyPaths[random.Next(NastyPaths.Length)]);
                break;
            case 9 when random.Next(2) == 0:
                type = MessageType.ManifestRequest;
                payload.Digest(default);
                break;
            case 9:
                type = MessageType.SpaceRequest;
                break;
            default:
                type = (MessageType)random.Next(256);
                payload.Bytes(content);
                break;
        }

        return [Frame(type, id, payload.Written.Span)];
    }

    /// <summary>Bit flips, byte overwrites, truncation, extension or a new type/id; the length prefix stays true.</summary>
    private static byte[] Mutate(Random random, byte[] frame)
    {
        var type = frame[4];
        var id = BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(5));
        var payload = frame.AsSpan(ProtocolInfo.HeaderSize).ToArray();
        switch (random.Next(8))
        {
            case 0 or 1 when payload.Length > 0:
                for (var i = random.Next(1, 8); i > 0; i--)
                {
                    payload[random.Next(payload.Length)] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 2 when payload.Length > 0:
                payload[random.Next(payload.Length)] = (byte)random.Next(256);
                break;
            case 3:
                payload = payload[..random.Next(payload.Length + 1)];
                break;
            case 4:
                payload = [.. payload, .. RandomBytes(random, random.Next(1, 32))];
                break;
            case 5:
                type = (byte)random.Next(256);
                break;
            case 6:
                id = (uint)random.Next();
                break;
            default:
                // Varints and string lengths at their extremes: a length claiming more than the frame holds.
                if (payload.Length > 0)
                {
                    payload[0] = 0xFF;
                    payload = [.. payload.AsSpan(0, 1), 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, .. payload.AsSpan(1)];
                }

                break;
        }

        return Frame((MessageType)type, id, payload);
    }

    private static byte[] BreakLength(Random random, byte[] frame)
    {
        var broken = frame.ToArray();
        var length = random.Next(4) switch
        {
            0 => -random.Next(1, int.MaxValue),
            1 => random.Next(0, 5),
            2 => ProtocolInfo.MaxFrame + random.Next(1, 1000),
            _ => frame.Length - 4 + random.Next(1, 100), // longer than what follows: the end arrives inside it
        };
        BinaryPrimitives.WriteInt32LittleEndian(broken, length);
        return broken;
    }

    private static byte[] Frame(MessageType type, uint id, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[ProtocolInfo.HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, 5 + payload.Length);
        frame[4] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), id);
        payload.CopyTo(frame.AsSpan(ProtocolInfo.HeaderSize));
        return frame;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One agent process fed raw bytes; its replies are read as they come and checked.</summary>
    private sealed class FuzzedAgent : IAsyncDisposable
    {
        private const uint ProbeBase = 0xF000_0000;
        private readonly LocalAgentConnector connector;
        private readonly Stream stream;
        private readonly StringBuilder stderr;
        private readonly Task reading;
        private readonly object gate = new();
        private readonly Dictionary<uint, TaskCompletionSource> probes = [];
        private uint nextProbe = ProbeBase;
        private string? badReply;

        private FuzzedAgent(LocalAgentConnector connector, Stream stream, StringBuilder stderr)
        {
            this.connector = connector;
            this.stream = stream;
            this.stderr = stderr;
            reading = Task.Run(ReadLoopAsync);
        }

        public Dictionary<MessageType, int> Replies { get; } = [];

        public bool Closed { get; private set; }

        public static async Task<FuzzedAgent> StartAsync(string root, string cache)
        {
            var stderr = new StringBuilder();
            var connector = new LocalAgentConnector(root, log: line =>
            {
                lock (stderr)
                {
                    stderr.AppendLine(line);
                }
            })
            { AgentCachePath = cache, ExtraArguments = ["--no-fsync"] };
            var stream = await connector.ConnectAsync(CancellationToken.None).DefaultTimeout();
            var writer = new FrameWriter(stream);
            await writer.WriteAsync(MessageType.Hello, 0, new PayloadWriter().UInt32(ProtocolInfo.Magic).UInt16(ProtocolInfo.Version).String("fuzz").Written).DefaultTimeout();
            await writer.FlushAsync().DefaultTimeout();
            var reader = new FrameReader(stream);
            var ack = await reader.ReadAsync().AsTask().DefaultTimeout();
            Assert.Equal(MessageType.HelloAck, ack!.Value.Type);
            return new FuzzedAgent(connector, stream, stderr) { Reader = reader };
        }

        private FrameReader Reader { get; init; } = null!;

        public async Task SendRawAsync(byte[] frame)
        {
            try
            {
                await stream.WriteAsync(frame).AsTask().WaitAsync(ProbeBound);
            }
            catch (IOException)
            {
                // The agent ended the connection (a refused frame): ProbeAsync checks how it ended.
            }
        }

        /// <summary>A valid request after the batch: answered means the agent still serves; null when all is well.</summary>
        public async Task<string?> ProbeAsync()
        {
            TaskCompletionSource answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
            uint id;
            lock (gate)
            {
                id = nextProbe++;
                probes[id] = answered;
            }

            var probe = Frame(MessageType.MakeDir, id, new PayloadWriter().String("probe").Byte(0).Written.Span);
            try
            {
                await stream.WriteAsync(probe).AsTask().WaitAsync(ProbeBound);
                await stream.FlushAsync().WaitAsync(ProbeBound);
            }
            catch (IOException)
            {
            }

            var done = await Task.WhenAny(answered.Task, reading, Task.Delay(ProbeBound));
            if (done == answered.Task)
            {
                return badReply;
            }

            if (done == reading)
            {
                return await ExitFindingAsync();
            }

            return $"the agent neither answered a valid request within {ProbeBound.TotalSeconds} s nor ended the connection";
        }

        /// <summary>Closes our side after a framing break and checks the agent ended cleanly.</summary>
        public async Task<string?> EndAsync()
        {
            try
            {
                await stream.FlushAsync().DefaultTimeout();
                connector.LastProcess!.StandardInput.Close();
            }
            catch (IOException)
            {
            }

            await reading.WaitAsync(ProbeBound);
            return await ExitFindingAsync();
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                connector.LastProcess!.StandardInput.Close();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
            }

            try
            {
                await connector.LastProcess!.WaitForExitAsync().WaitAsync(ProbeBound);
            }
            catch (TimeoutException)
            {
                connector.LastProcess!.Kill();
            }

            await stream.DisposeAsync();
        }

        private async Task<string?> ExitFindingAsync()
        {
            Closed = true;
            var process = connector.LastProcess!;
            if (!await Task.Run(() => process.WaitForExit(ProbeBound)))
            {
                return "the agent closed its output but did not exit";
            }

            process.WaitForExit(); // drains the stderr reader
            string log;
            lock (stderr)
            {
                log = stderr.ToString();
            }

            if (process.ExitCode is not (0 or 4) || log.Contains("Unhandled exception", StringComparison.Ordinal))
            {
                return $"the agent crashed (exit {process.ExitCode}):\n{log}";
            }

            return badReply;
        }

        private async Task ReadLoopAsync()
        {
            try
            {
                while (await Reader.ReadAsync() is { } frame)
                {
                    lock (gate)
                    {
                        Replies[frame.Type] = Replies.GetValueOrDefault(frame.Type) + 1;
                        switch (frame.Type)
                        {
                            case MessageType.Ack or MessageType.ManifestEntries or MessageType.ManifestEnd or MessageType.SpaceInfo:
                                break;
                            case MessageType.Error:
                                var (code, message) = Messages.ReadError(frame.Payload.Span);
                                if (!Enum.IsDefined(code) || message.Length == 0)
                                {
                                    badReply ??= $"an error reply without a code or message: {code} '{message}'";
                                }

                                break;
                            default:
                                badReply ??= $"an unexpected reply {frame.Type} to request {frame.RequestId}";
                                break;
                        }

                        if (probes.Remove(frame.RequestId, out var probe))
                        {
                            probe.TrySetResult();
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException or ObjectDisposedException)
            {
                lock (gate)
                {
                    badReply ??= $"the agent's output is not well-framed: {e.Message}";
                }
            }
        }
    }
}
