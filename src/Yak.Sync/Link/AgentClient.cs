using System.Collections.Concurrent;
using System.IO.Hashing;
using Yak.Sync.Compression;
using Yak.Sync.Delta;
using Yak.Sync.Hashing;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;

namespace Yak.Sync.Link;

/// <summary>The agent's manifest as received: its entries (null when unchanged from the digest we offered).</summary>
public sealed record RemoteManifest(Digest Digest, int Count, Dictionary<string, Entry>? Entries);

/// <summary>What one file send put on the link.</summary>
public readonly record struct SentFile(Task Ack, Digest Digest, long Length, Signature? Signature, bool AsDelta);

/// <summary>
/// The daemon's end of the link. Requests are pipelined: each call writes its frames and returns a task that completes
/// when the agent acknowledges (or faults with <see cref="AgentErrorException"/>). Sending is synchronous and must come
/// from one thread at a time (the session's sender); acknowledgements are read by a background loop.
/// </summary>
public sealed class AgentClient : IAsyncDisposable
{
    private const int MaxInFlight = 4096;

    private readonly Stream stream;
    private readonly FrameReader reader;
    private FrameWriter writer;
    private ZstdWriteStream? linkCompressor;
    private long handshakeBytes;
    private readonly ConcurrentDictionary<uint, TaskCompletionSource> pending = new();
    private readonly ConcurrentDictionary<uint, ManifestCollector> manifests = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<DiskSpace>> spaces = new();
    private readonly SemaphoreSlim inFlight = new(MaxInFlight, MaxInFlight);
    private readonly ChunkCodec codec = new();
    private readonly byte[] readBuffer = new byte[ProtocolInfo.ChunkSize];
    private readonly PayloadWriter payload = new();
    private readonly CancellationTokenSource stop = new();
    private Task readLoop = Task.CompletedTask;
    private uint nextId;
    private volatile bool earlierUnacknowledged;
    private int disposed;
    private Exception? failure;

    private readonly bool compress;

    // Per-chunk zstd: only when compression is wanted and the link is not compressed as a whole.
    private bool compressChunks;

    private AgentClient(Stream stream, bool compress)
    {
        this.stream = stream;
        this.compress = compress;
        compressChunks = compress;
        reader = new FrameReader(stream);
        writer = new FrameWriter(stream);
    }

    public string AgentVersion { get; private set; } = "";

    /// <summary>Bytes written to the link (frames included; compressed when the link is).</summary>
    public long BytesSent => linkCompressor is { } z ? handshakeBytes + z.BytesOut : writer.BytesWritten;

    /// <summary>Whether everything sent after the handshake is one zstd stream.</summary>
    public bool LinkCompressed => linkCompressor is not null;

    /// <summary>The zstd level the link compresses at now (<see cref="LinkLevelPolicy"/> follows the link); null on an uncompressed link.</summary>
    public int? CompressionLevel => linkCompressor?.Level;

    public long BytesReceived => reader.BytesRead;

    /// <summary>Completes (faulted) when the link breaks.</summary>
    public Task Completion => readLoop;

    /// <summary>Opens the link: Hello → HelloAck, or a <see cref="ProtocolMismatchException"/> with the agent's explanation.</summary>
    /// <param name="compress">zstd on the link (one stream over every frame); off for a local pipe.</param>
    public static async Task<AgentClient> ConnectAsync(Stream stream, CancellationToken cancellationToken, bool compress = true)
    {
        var client = new AgentClient(stream, compress);
        try
        {
            var asked = compress ? LinkOptions.ZstdStream : LinkOptions.None;
            var hello = new PayloadWriter().UInt32(ProtocolInfo.Magic).UInt16(ProtocolInfo.Version).String("yakd").Byte((byte)asked);
            await client.writer.WriteAsync(MessageType.Hello, 0, hello.Written, cancellationToken).ConfigureAwait(false);
            await client.writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            var answer = await client.reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new ProtocolMismatchException("the agent closed the connection during the handshake (is yak-agent installed and of a matching version?)");
            switch (answer.Type)
            {
                case MessageType.HelloAck:
                    var ack = new PayloadReader(answer.Payload.Span);
                    var version = ack.UInt16();
                    if (version != ProtocolInfo.Version)
                    {
                        throw new ProtocolMismatchException($"the agent answered with sync protocol {version}, this daemon speaks {ProtocolInfo.Version}");
                    }

                    client.AgentVersion = ack.String();
                    var granted = (LinkOptions)ack.Byte() & asked;
                    if (granted.HasFlag(LinkOptions.ZstdStream))
                    {
                        // The agent switches its reader before it reads another byte: nothing raw may follow.
                        client.handshakeBytes = client.writer.BytesWritten;
                        client.linkCompressor = new ZstdWriteStream(stream, new LinkLevelPolicy(), new IdleCpu().Sample, waitingOnPeer: () => client.earlierUnacknowledged);
                        client.writer = new FrameWriter(client.linkCompressor, ownsStream: true);
                        client.compressChunks = false;
                    }

                    break;
                case MessageType.Error:
                    var (code, message) = Messages.ReadError(answer.Payload.Span);
                    throw new ProtocolMismatchException($"the agent refused the handshake ({code}): {message}");
                default:
                    throw new ProtocolMismatchException($"the agent answered the handshake with {answer.Type}");
            }
        }
        catch (InvalidDataException e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new ProtocolMismatchException($"the peer is not a yak agent: {e.Message}");
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        client.readLoop = Task.Run(client.ReadLoopAsync, CancellationToken.None);
        return client;
    }

    public async Task<RemoteManifest> GetManifestAsync(Digest known, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref nextId);
        var collector = new ManifestCollector();
        manifests[id] = collector;
        ThrowIfFailed();
        await writer.WriteAsync(MessageType.ManifestRequest, id, new PayloadWriter().Digest(known).Written, cancellationToken).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await collector.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The replica's file system as the agent sees it now (an agent without the request answers BadRequest).</summary>
    public async Task<DiskSpace> GetSpaceAsync(CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref nextId);
        var answer = new TaskCompletionSource<DiskSpace>(TaskCreationOptions.RunContinuationsAsynchronously);
        spaces[id] = answer;
        ThrowIfFailed();
        await writer.WriteAsync(MessageType.SpaceRequest, id, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task Delete(string path) => Simple(MessageType.Delete, payload.Reset().String(path));

    public Task RemoveDirectory(string path) => Simple(MessageType.RemoveDir, payload.Reset().String(path));

    public Task MakeDirectory(string path) => Simple(MessageType.MakeDir, payload.Reset().String(path).Byte(0));

    public Task SetExecutable(string path, bool executable) =>
        Simple(MessageType.SetMode, payload.Reset().String(path).Byte(executable ? (byte)EntryFlags.Executable : (byte)0));

    /// <summary>Creates <paramref name="path"/> from the agent's own copy of <paramref name="source"/>, which must hash to <paramref name="digest"/>.</summary>
    public Task CopyFile(string path, bool executable, string source, Digest digest, long length) =>
        Simple(MessageType.CopyFile, payload.Reset().String(path).Byte(executable ? (byte)EntryFlags.Executable : (byte)0).String(source).Digest(digest).VarLong(length));

    public Task Symlink(string path, string target) => Simple(MessageType.Symlink, payload.Reset().String(path).String(target));

    /// <summary>
    /// Streams <paramref name="content"/> as a whole file (no <paramref name="basis"/>) or as a delta against it.
    /// One pass: the content is hashed and, when <paramref name="signBlockSize"/> is set, signed for the next edit.
    /// </summary>
    /// <param name="stopAt">Read no more than this many bytes (a whole file only): once they are in, no read probes for an end
    /// (the caller checks afterwards that the file did not grow). Null reads to the end.</param>
    public SentFile SendFile(string path, bool executable, Stream content, Signature? basis, Digest basisDigest, int? signBlockSize, long? stopAt = null)
    {
        var id = Begin(out var ack);
        var flags = executable ? (byte)EntryFlags.Executable : (byte)0;
        var hasher = new XxHash128();
        var signer = signBlockSize is { } bs ? new SignatureBuilder(bs) : null;
        long length = 0;
        void Observe(ReadOnlySpan<byte> data)
        {
            hasher.Append(data);
            signer?.Append(data);
            length += data.Length;
        }

        if (basis is null)
        {
            writer.Write(MessageType.PutFile, id, payload.Reset().String(path).Byte(flags).VarLong(0).Written.Span);
            var remaining = stopAt ?? long.MaxValue;
            while (remaining > 0)
            {
                var wanted = (int)Math.Min(readBuffer.Length, remaining);
                var read = content.ReadAtLeast(readBuffer.AsSpan(0, wanted), wanted, throwOnEndOfStream: false);
                if (read > 0)
                {
                    Observe(readBuffer.AsSpan(0, read));
                    WriteChunk(id, readBuffer.AsMemory(0, read));
                }

                remaining -= read;
                if (read < wanted)
                {
                    break; // the end came first (ReadAtLeast has read up to it)
                }
            }
        }
        else
        {
            writer.Write(MessageType.ApplyDelta, id, payload.Reset().String(path).Byte(flags).Digest(basisDigest).VarUInt((ulong)basis.BlockSize).Written.Span);
            var encoder = new DeltaEncoder(chunk => WriteChunk(id, chunk));
            DeltaBuilder.Build(content, basis, encoder, Observe);
            encoder.Complete();
        }

        var digest = Digest.From(hasher);
        writer.Write(MessageType.End, id, payload.Reset().Digest(digest).VarLong(length).Written.Span);
        return new SentFile(ack, digest, length, signer?.Build(), basis is not null);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => writer.FlushAsync(cancellationToken);

    /// <summary>
    /// Breaks the link from any thread without waiting for the sender: pending requests fail and a write blocked on a
    /// hung peer returns with an error. The owner still calls <see cref="DisposeAsync"/> once its sender has stopped.
    /// </summary>
    public void Abort()
    {
        Fail(new IOException("the link was aborted"));
        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        stop.Cancel();
        Fail(new IOException("the link was closed"));
        await stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await readLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidDataException)
        {
        }

        await writer.DisposeAsync().ConfigureAwait(false);
        codec.Dispose();
    }

    private void WriteChunk(uint id, ReadOnlyMemory<byte> raw)
    {
        var (encoding, data) = compressChunks ? codec.Encode(raw) : (ChunkEncoding.Raw, raw);
        Span<byte> head = [(byte)encoding];
        writer.Write(MessageType.Chunk, id, head, data.Span);
    }

    private Task Simple(MessageType type, PayloadWriter body)
    {
        var id = Begin(out var ack);
        writer.Write(type, id, body.Written.Span);
        return ack;
    }

    private uint Begin(out Task ack)
    {
        ThrowIfFailed();
        inFlight.Wait();
        var id = Interlocked.Increment(ref nextId);
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Whether this request's frames follow others still unacknowledged (read by the link's level policy).
        earlierUnacknowledged = !pending.IsEmpty;
        pending[id] = source;
        ack = source.Task;
        if (failure is not null)
        {
            Complete(id, failure);
        }

        return id;
    }

    private void ThrowIfFailed()
    {
        if (failure is not null)
        {
            throw new IOException($"the agent link is down: {failure.Message}", failure);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await reader.ReadAsync(stop.Token).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case MessageType.Ack:
                        Complete(frame.RequestId, null);
                        break;
                    case MessageType.Error:
                        var error = Messages.ReadErrorException(frame.Payload.Span);
                        if (manifests.TryRemove(frame.RequestId, out var failed))
                        {
                            failed.Done.TrySetException(error);
                        }
                        else if (spaces.TryRemove(frame.RequestId, out var unanswered))
                        {
                            unanswered.TrySetException(error);
                        }
                        else
                        {
                            Complete(frame.RequestId, error);
                        }

                        break;
                    case MessageType.ManifestEntries when manifests.TryGetValue(frame.RequestId, out var collector):
                        collector.Add(frame.Payload.Span);
                        break;
                    case MessageType.ManifestEnd when manifests.TryRemove(frame.RequestId, out var collector):
                        collector.Finish(frame.Payload.Span);
                        break;
                    case MessageType.SpaceInfo when spaces.TryRemove(frame.RequestId, out var asked):
                        asked.TrySetResult(Messages.ReadSpaceInfo(frame.Payload.Span));
                        break;
                    default:
                        throw new InvalidDataException($"unexpected {frame.Type} for request {frame.RequestId}");
                }
            }

            Fail(new IOException("the agent closed the link"));
        }
        catch (Exception e)
        {
            Fail(e is IOException ? e : new IOException($"agent link failed: {e.Message}", e));
        }

        if (!stop.IsCancellationRequested)
        {
            throw failure!;
        }
    }

    private void Complete(uint id, Exception? error)
    {
        if (!pending.TryRemove(id, out var source))
        {
            return;
        }

        inFlight.Release();
        if (error is null)
        {
            source.TrySetResult();
        }
        else
        {
            source.TrySetException(error);
        }
    }

    private void Fail(Exception error)
    {
        Interlocked.CompareExchange(ref failure, error, null);
        foreach (var id in pending.Keys)
        {
            Complete(id, failure);
        }

        foreach (var (id, collector) in manifests)
        {
            manifests.TryRemove(id, out _);
            collector.Done.TrySetException(failure);
        }

        foreach (var (id, asked) in spaces)
        {
            spaces.TryRemove(id, out _);
            asked.TrySetException(failure);
        }
    }

    private sealed class ManifestCollector
    {
        private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

        public TaskCompletionSource<RemoteManifest> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(ReadOnlySpan<byte> body)
        {
            var reader = new PayloadReader(body);
            var count = reader.VarUInt();
            for (ulong i = 0; i < count; i++)
            {
                var (path, entry) = Messages.ReadEntry(ref reader);
                entries[path] = entry;
            }
        }

        public void Finish(ReadOnlySpan<byte> body)
        {
            var reader = new PayloadReader(body);
            var unchanged = reader.Byte() == 1;
            var digest = reader.Digest();
            var count = (int)reader.VarUInt();
            Done.TrySetResult(new RemoteManifest(digest, count, unchanged ? null : entries));
        }
    }
}
