using Yak.Sync.Compression;
using Yak.Sync.Hashing;
using Yak.Sync.Ignore;
using Yak.Sync.Paths;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;

namespace Yak.Agent;

/// <summary>
/// The agent's side of the sync protocol: answers the manifest and applies the daemon's requests under one root.
/// Requests are handled in order; completed files are published in batches (flushed together — fsync'ed only when
/// <see cref="Durable"/> — then renamed one by one) whenever the input runs dry.
/// </summary>
public sealed partial class AgentServer
{
    private const int MaxPendingCommits = 256;
    private const int ManifestFrameBudget = 200 * 1024;

    private readonly string root;
    private readonly Stream input;
    private readonly Stream output;
    private readonly TextWriter log;
    private readonly string version;
    private readonly Scanner scanner;
    private readonly Dictionary<uint, IncomingFile> transfers = [];
    private readonly List<IncomingFile> pending = [];
    private readonly HashSet<string> pendingPaths = new(StringComparer.Ordinal);
    private readonly ChunkCodec codec = new();
    private Snapshot manifest = new();
    private DirectoryHandle? rootHandle;
    private TreeOperations? operations;
    private FrameWriter writer = null!;

    // Refused writes since the disk filled up: the first is logged, the rest counted (thousands of files fail alike).
    private int diskFaultsUnlogged = -1;

    public AgentServer(string root, Stream input, Stream output, TextWriter log, string version)
    {
        this.root = Path.GetFullPath(root);
        this.input = input;
        this.output = output;
        this.log = log;
        this.version = version;
        scanner = new Scanner(this.root, new IgnoreRules(this.root, new IgnoreSettings
        {
            UseGitignore = false,
            UseYakignore = false,
            Excludes = [TreeOperations.TempPrefix + "*"],
        }));
    }

    /// <summary>
    /// fsync each file before it is renamed into place. Off by default: the replica is a development copy the daemon
    /// can always rebuild, so it gets what rsync and Mutagen give — temp + rename (a reader never sees half a file) and
    /// no flush to disk. After a crash of the pod's node a renamed file may be empty or old; the next connection's
    /// manifest shows the difference and the daemon resends it: the scan cache is only saved after a syncfs of the
    /// root's file system (<see cref="SaveCache"/>), so it never vouches for a digest whose data was not on disk.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>Where the (size, mtime, inode) → digest cache of the replica is kept between runs; null = none.</summary>
    public string? CachePath { get; init; }

    /// <summary>Serves until the input ends. Returns the process exit code (0 clean, 3 handshake refused, 4 protocol error).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var reader = new FrameReader(input);
        await using var frameWriter = new FrameWriter(output);
        writer = frameWriter;
        Stream? decompressor = null;
        try
        {
            if (await HandshakeAsync(reader, cancellationToken).ConfigureAwait(false) is not { } options)
            {
                return 3;
            }

            if (options.HasFlag(LinkOptions.ZstdStream))
            {
                // The daemon sent nothing after its Hello before our answer, so nothing raw is left in the reader.
                if (reader.HasBufferedBytes)
                {
                    throw new InvalidDataException("data after Hello before HelloAck");
                }

                decompressor = LinkCompression.Reader(input);
                reader = new FrameReader(decompressor);
            }

            rootHandle = DirectoryHandle.OpenRoot(root);
            manifest = new Snapshot();
            operations = new TreeOperations(rootHandle, manifest, log);
            var stale = operations.RemoveStaleTemps();
            if (stale > 0)
            {
                log.WriteLine($"yak-agent: removed {stale} temp entries a previous run left behind");
            }

            // No scan yet: the first manifest request does it, with the persisted digest cache if there is one.
            RemoveStaleCacheTemps();
            manifest = (CachePath is null ? null : Snapshot.TryLoad(CachePath, why => log.WriteLine($"yak-agent: scan cache {why}"))) ?? new Snapshot();
            operations.Dispose();
            operations = new TreeOperations(rootHandle, manifest, log);
            log.WriteLine($"yak-agent {version}: serving {root}{(CachePath is null ? "" : $" (scan cache {CachePath}, {manifest.Count} entries)")}");

            while (true)
            {
                if (!reader.HasBufferedFrame)
                {
                    await CommitPendingAsync(cancellationToken).ConfigureAwait(false);
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not { } frame)
                {
                    break;
                }

                await DispatchAsync(frame, cancellationToken).ConfigureAwait(false);
            }

            await CommitPendingAsync(cancellationToken).ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            SaveCache();
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            log.WriteLine($"yak-agent: connection ended: {e.Message}");
            return 4;
        }
        finally
        {
            foreach (var transfer in transfers.Values.Concat(pending))
            {
                transfer.Dispose();
            }

            codec.Dispose();
            decompressor?.Dispose();
            operations?.Dispose();
            rootHandle?.Dispose();
        }
    }

    /// <summary>The link options the agent grants (what the daemon asked for, of what this agent supports); null when refused.</summary>
    private async Task<LinkOptions?> HandshakeAsync(FrameReader reader, CancellationToken cancellationToken)
    {
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not { } hello)
        {
            return null;
        }

        if (hello.Type != MessageType.Hello || hello.Payload.Length < 6)
        {
            await ReplyErrorAsync(hello.RequestId, ErrorCode.BadRequest, "expected Hello as the first frame", cancellationToken).ConfigureAwait(false);
            return null;
        }

        var payload = new PayloadReader(hello.Payload.Span);
        var magic = payload.UInt32();
        var peerVersion = payload.UInt16();
        if (magic != ProtocolInfo.Magic || peerVersion != ProtocolInfo.Version)
        {
            var message = magic != ProtocolInfo.Magic
                ? "the peer does not speak the yak sync protocol"
                : $"yak-agent {version} speaks sync protocol {ProtocolInfo.Version} but the daemon speaks {peerVersion}; install matching versions of yakd and yak-agent";
            log.WriteLine($"yak-agent: {message}");
            await ReplyErrorAsync(hello.RequestId, ErrorCode.VersionMismatch, message, cancellationToken).ConfigureAwait(false);
            return null;
        }

        // The peer's name, then the options asked (a Hello without them asks for none).
        var asked = LinkOptions.None;
        if (!payload.AtEnd)
        {
            payload.String();
            asked = payload.AtEnd ? LinkOptions.None : (LinkOptions)payload.Byte();
        }

        var granted = asked & LinkOptions.ZstdStream;
        var ack = new PayloadWriter().UInt16(ProtocolInfo.Version).String(version).Byte((byte)granted);
        await writer.WriteAsync(MessageType.HelloAck, hello.RequestId, ack.Written, cancellationToken).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return granted;
    }

    private async Task DispatchAsync(Frame frame, CancellationToken cancellationToken)
    {
        var id = frame.RequestId;
        var target = "";
        try
        {
            switch (frame.Type)
            {
                case MessageType.Chunk:
                    OnChunk(id, frame.Payload.Span);
                    return;
                case MessageType.End:
                    await OnEndAsync(id, frame.Payload, cancellationToken).ConfigureAwait(false);
                    return;
                case MessageType.PutFile:
                case MessageType.ApplyDelta:
                    await BeginFileAsync(frame, cancellationToken).ConfigureAwait(false);
                    return;
                case MessageType.CopyFile:
                    await CopyFileAsync(frame, cancellationToken).ConfigureAwait(false);
                    return;
            }

            await CommitPendingAsync(cancellationToken).ConfigureAwait(false);
            var reader = new PayloadReader(frame.Payload.Span);
            switch (frame.Type)
            {
                case MessageType.ManifestRequest:
                    await SendManifestAsync(id, reader.Digest(), cancellationToken).ConfigureAwait(false);
                    return;
                case MessageType.SpaceRequest:
                    var space = rootHandle!.FileSystemSpace();
                    await writer.WriteAsync(MessageType.SpaceInfo, id, Messages.SpaceInfo(new DiskSpace(space?.Free ?? 0, space?.Total ?? 0, space?.ReadOnly ?? false)), cancellationToken).ConfigureAwait(false);
                    return;
                case MessageType.Delete:
                case MessageType.RemoveDir:
                    target = reader.String();
                    operations!.Delete(target);
                    break;
                case MessageType.MakeDir:
                    target = reader.String();
                    operations!.MakeDirectory(target);
                    break;
                case MessageType.SetMode:
                    target = reader.String();
                    operations!.SetExecutable(target, ((EntryFlags)reader.Byte()).HasFlag(EntryFlags.Executable));
                    break;
                case MessageType.Symlink:
                    target = reader.String();
                    operations!.Symlink(target, reader.String());
                    break;
                default:
                    await ReplyErrorAsync(id, ErrorCode.BadRequest, $"unexpected frame {frame.Type}", cancellationToken).ConfigureAwait(false);
                    return;
            }

            await writer.WriteAsync(MessageType.Ack, id, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (PathRefusedException e)
        {
            log.WriteLine($"yak-agent: {e.Message}");
            await ReplyErrorAsync(id, ErrorCode.PathRefused, e.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await ReplyErrorAsync(id, DiskFaults.CodeFor(e), e.Message, cancellationToken, target).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (InvalidDataException or OperationCanceledException))
        {
            // One odd request (an argument the OS rejects) must not take the whole replica down with a crash loop.
            log.WriteLine($"yak-agent: {frame.Type} #{id} failed: {e}");
            await ReplyErrorAsync(id, ErrorCode.Internal, $"{e.GetType().Name}: {e.Message}", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendManifestAsync(uint id, Digest known, CancellationToken cancellationToken)
    {
        manifest = scanner.Scan(manifest, cancellationToken);
        operations?.Dispose();
        operations = new TreeOperations(rootHandle!, manifest, log);
        var stats = scanner.LastStats;
        log.WriteLine($"yak-agent: scanned {stats.Entries} entries, hashed {stats.FilesHashed} files ({stats.BytesHashed} bytes) in {stats.Elapsed.TotalMilliseconds:0} ms");
        if (stats.FilesHashed > 0)
        {
            // Only new digests are worth a save: its syncfs flushes every dirty page of the volume (seconds after a
            // big copy by anything else), and a scan that hashed nothing learned nothing the cache lacks.
            SaveCache();
        }
        var digest = manifest.ManifestDigest();
        var unchanged = !known.IsZero && known == digest;
        if (!unchanged)
        {
            var batch = new PayloadWriter();
            var count = 0;
            var body = new PayloadWriter();
            foreach (var (path, entry) in manifest.Entries)
            {
                Messages.WriteEntry(body, path, entry);
                count++;
                if (body.Length >= ManifestFrameBudget)
                {
                    await SendEntriesAsync(id, batch, body, count, cancellationToken).ConfigureAwait(false);
                    count = 0;
                }
            }

            if (count > 0)
            {
                await SendEntriesAsync(id, batch, body, count, cancellationToken).ConfigureAwait(false);
            }
        }

        var end = new PayloadWriter().Byte(unchanged ? (byte)1 : (byte)0).Digest(digest).VarUInt((ulong)manifest.Count);
        await writer.WriteAsync(MessageType.ManifestEnd, id, end.Written, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendEntriesAsync(uint id, PayloadWriter head, PayloadWriter body, int count, CancellationToken cancellationToken)
    {
        head.Reset().VarUInt((ulong)count);
        await writer.WriteAsync(MessageType.ManifestEntries, id, head.Written, body.Written, cancellationToken).ConfigureAwait(false);
        body.Reset();
    }

    /// <summary>
    /// Answers a request with an error. A full or read-only file system is said as such, with the path, what the write
    /// needed and what is free now, so the daemon can report it and wait for room instead of retrying blind.
    /// </summary>
    private async Task ReplyErrorAsync(uint id, ErrorCode code, string message, CancellationToken cancellationToken, string path = "", long needed = 0)
    {
        var payload = Messages.Error(code, message);
        if (DiskFaults.IsDisk(code))
        {
            (var fault, message) = DiskFaults.Describe(code, path, needed, rootHandle?.FileSystemSpace());
            payload = Messages.Error(fault, message);
            if (diskFaultsUnlogged < 0)
            {
                log.WriteLine($"yak-agent: {message}");
            }

            diskFaultsUnlogged++;
        }

        await writer.WriteAsync(MessageType.Error, id, payload, cancellationToken).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A write went through: a disk-full episode (if any) is over; says how many writes it refused.</summary>
    private void WriteSucceeded()
    {
        if (diskFaultsUnlogged >= 0)
        {
            log.WriteLine($"yak-agent: writes succeed again ({diskFaultsUnlogged + 1} refused for lack of room or a read-only volume meanwhile)");
            diskFaultsUnlogged = -1;
        }
    }

    private void SaveCache()
    {
        if (CachePath is null)
        {
            return;
        }

        try
        {
            // The cache vouches for content by (size, mtime, inode): without per-file fsync, the files it describes are
            // flushed first (one syncfs), so after a crash it never claims a digest for data that did not reach disk.
            if (!Durable)
            {
                rootHandle?.SyncFileSystem();
            }

            manifest.Save(CachePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"yak-agent: could not save the scan cache: {e.Message}");
        }
    }

    /// <summary>The default cache file: $XDG_CACHE_HOME (or ~/.cache)/yak-agent/&lt;hash of root&gt;.scan; null when there is no home.</summary>
    public static string? DefaultCachePath(string root)
    {
        var home = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(home))
        {
            var user = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(user))
            {
                return null;
            }

            home = Path.Combine(user, ".cache");
        }

        var key = System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(root)));
        return Path.Combine(home, "yak-agent", $"{key:x16}.scan");
    }

    /// <summary>A killed agent can leave its cache's temp file behind (AtomicFile names it .NAME.*.tmp); old ones go.</summary>
    private void RemoveStaleCacheTemps()
    {
        if (CachePath is null || Path.GetDirectoryName(Path.GetFullPath(CachePath)) is not { } folder || !Directory.Exists(folder))
        {
            return;
        }

        var cutoff = DateTime.UtcNow.AddMinutes(-1); // a younger one may belong to a live agent saving right now
        foreach (var temp in Directory.EnumerateFiles(folder, $".{Path.GetFileName(CachePath)}.*.tmp"))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(temp) < cutoff)
                {
                    File.Delete(temp);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
