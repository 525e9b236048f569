using Yak.Sync.Delta;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;

namespace Yak.Sync.Session;

/// <summary>Counters of one push pass, updated live (status reads them while the pass runs).</summary>
public sealed class PushResult
{
    private long applied, filesSent, bytesRaw, deletes, deltas, copies;

    public int Applied => (int)Interlocked.Read(ref applied);

    public long FilesSent => Interlocked.Read(ref filesSent);

    public long BytesRaw => Interlocked.Read(ref bytesRaw);

    public long Deletes => Interlocked.Read(ref deletes);

    public long Deltas => Interlocked.Read(ref deltas);

    /// <summary>Files created on the agent from content it already held (renames, moves, duplicates).</summary>
    public long Copies => Interlocked.Read(ref copies);

    /// <summary>Paths the agent refused or failed, with its message.</summary>
    public List<(string Path, string Message)> Problems { get; } = [];

    /// <summary>Paths that changed while being sent: rescan them and try again.</summary>
    public List<string> Retry { get; } = [];

    /// <summary>The first write the replica's file system refused as full or read-only in this pass; null when none was.</summary>
    public DiskFault? Disk { get; private set; }

    /// <summary>What the writes refused for space needed in all (their files' lengths).</summary>
    public long DiskBytesNeeded { get; private set; }

    /// <summary>How many writes the replica's file system refused.</summary>
    public int DiskFailures { get; private set; }

    internal void RecordDisk(DiskFault fault)
    {
        Disk ??= fault;
        DiskBytesNeeded += fault.BytesNeeded;
        DiskFailures++;
    }

    internal void CountApplied() => Interlocked.Increment(ref applied);

    internal void CountDelete() => Interlocked.Increment(ref deletes);

    internal void CountCopy() => Interlocked.Increment(ref copies);

    internal void CountFile(long bytes, bool delta)
    {
        Interlocked.Increment(ref filesSent);
        Interlocked.Add(ref bytesRaw, bytes);
        if (delta)
        {
            Interlocked.Increment(ref deltas);
        }
    }
}

/// <summary>
/// Executes a plan over the link. Requests are written without waiting for answers (pipelined) inside a window of
/// outstanding requests; acknowledgements are settled in order as the window slides, updating the remote model, so a
/// pass cut short by a dropped link has already recorded everything the agent confirmed. A delta goes out when the
/// signature of the agent's current content is known; a BaseMismatch answer is retried as a whole file.
/// A file the scan left unhashed (zero digest: new to the agent) is hashed while it is sent, and its digest goes into
/// <paramref name="scanned"/>.
/// </summary>
internal sealed class Pusher(string localRoot, SessionStore store, Dictionary<string, Entry> remote, Snapshot? scanned = null)
{
    private const int Window = 1024;

    private readonly record struct Issued(Operation Op, Task Ack, Entry? Entry, bool Delta);

    // The pass's files are opened through their folders' descriptors (the plan is sorted: each folder opened once).
    private readonly Paths.FolderChain folders = new(localRoot);

    public async Task PushAsync(AgentClient client, IReadOnlyList<Operation> plan, PushResult result, CancellationToken cancellationToken)
    {
        try
        {
            var retries = await RunAsync(client, plan, allowDelta: true, result, cancellationToken).ConfigureAwait(false);
            if (retries.Count > 0)
            {
                foreach (var op in retries)
                {
                    remote.Remove(op.Path);
                }

                retries = retries.Select(op => op.Kind == OperationKind.CopyFile ? op with { Kind = OperationKind.SendFile, Source = null } : op).ToList();

                await RunAsync(client, retries, allowDelta: false, result, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            folders.Dispose();
        }
    }

    private async Task<List<Operation>> RunAsync(AgentClient client, IReadOnlyList<Operation> plan, bool allowDelta, PushResult result, CancellationToken cancellationToken)
    {
        var window = new Queue<Issued>();
        var retries = new List<Operation>();
        foreach (var op in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (window.Count >= Window)
            {
                await client.FlushAsync(cancellationToken).ConfigureAwait(false);
                while (window.Count > Window / 2)
                {
                    await SettleAsync(window.Dequeue(), result, retries).ConfigureAwait(false);
                }
            }

            if (Issue(client, op, allowDelta, result) is { } issued)
            {
                window.Enqueue(new Issued(op, issued.Ack, issued.Entry, issued.Delta));
            }
        }

        await client.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (window.Count > 0)
        {
            await SettleAsync(window.Dequeue(), result, retries).ConfigureAwait(false);
        }

        return retries;
    }

    private (Task Ack, Entry? Entry, bool Delta)? Issue(AgentClient client, Operation op, bool allowDelta, PushResult result)
    {
        switch (op.Kind)
        {
            case OperationKind.Delete:
                return (op.Remote?.Kind == EntryKind.Directory ? client.RemoveDirectory(op.Path) : client.Delete(op.Path), null, false);
            case OperationKind.MakeDirectory:
                return (client.MakeDirectory(op.Path), Entry.Directory(), false);
            case OperationKind.Symlink:
                return (client.Symlink(op.Path, op.Local!.Value.Target!), op.Local, false);
            case OperationKind.SetMode:
                return (client.SetExecutable(op.Path, op.Local!.Value.Executable), op.Local, false);
            case OperationKind.CopyFile when allowDelta:
                var l = op.Local!.Value;
                return (client.CopyFile(op.Path, l.Executable, op.Source!, l.Digest, l.Size), l with { MtimeNs = 0, Inode = 0 }, false);
            default:
                return SendFile(client, op, allowDelta, result);
        }
    }

    /// <summary>The scanned identity (inode, size) against the opened file's; an entry without an inode (not from a scan) passes.</summary>
    internal static bool SameFile(Entry scanned, StatInfo opened) =>
        (scanned.Inode == 0 || scanned.Inode == opened.Inode) && scanned.Size == opened.Size;

    private (Task Ack, Entry? Entry, bool Delta)? SendFile(AgentClient client, Operation op, bool allowDelta, PushResult result)
    {
        var local = op.Local!.Value;
        Paths.ReadOnlyFile content;
        try
        {
            // Only what was scanned goes out: a link or FIFO swapped in since the scan — for the file or a folder on
            // its way — is refused (O_NOFOLLOW, O_NONBLOCK), another file renamed in is caught by its identity, and
            // all are rescanned.
            (content, var opened) = folders.OpenRead(op.Path);
            if (!SameFile(local, opened))
            {
                content.Dispose();
                result.Retry.Add(op.Path);
                return null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            result.Retry.Add(op.Path); // changed kind, vanished or unreadable since the scan: look again
            return null;
        }

        using (content)
        {
            Signature? basis = null;
            var digest = default(Hashing.Digest);
            if (allowDelta && op.Remote is { Kind: EntryKind.File } r && r.Size > BlockSizing.WholeFileThreshold && local.Size > BlockSizing.WholeFileThreshold)
            {
                basis = store.LoadSignature(r.Digest);
                digest = r.Digest;
            }

            int? signBlock = local.Size > BlockSizing.WholeFileThreshold ? BlockSizing.For(local.Size) : null;
            // A file whose hash the scan deferred is read up to its scanned size, no probe for more: a file that grew
            // or shrank meanwhile is caught by the fstat after the send (RecordDigest) and sent again.
            var sentFile = client.SendFile(op.Path, local.Executable, content, basis, digest, signBlock, local.Digest.IsZero ? local.Size : null);
            if (sentFile.Signature is { } signature)
            {
                store.SaveSignature(sentFile.Digest, signature);
            }

            var entry = new Entry(EntryKind.File, sentFile.Length, 0, 0, local.Executable, sentFile.Digest, null);
            if (local.Digest.IsZero)
            {
                RecordDigest(op.Path, local, StatOpen(content, op.Path), sentFile, result);
            }

            return (sentFile.Ack, entry, sentFile.AsDelta);
        }
    }

    /// <summary>
    /// The scan deferred this file's hash to the send: what was sent becomes its digest, unless the file moved while
    /// it was read (then the digest is provisional, as the scanner's would be, and the path is looked at again).
    /// </summary>
    private void RecordDigest(string path, Entry local, StatInfo? after, SentFile sent, PushResult result)
    {
        if (scanned is null || !scanned.Entries.ContainsKey(path))
        {
            return;
        }

        var moved = after is not { } a || a.Size != local.Size || a.MtimeNs != local.MtimeNs || sent.Length != local.Size;
        scanned.Entries[path] = local with { Size = sent.Length, Digest = sent.Digest, MtimeNs = moved ? 0 : local.MtimeNs };
        if (moved)
        {
            scanned.Unsettled.Add(path);
            result.Retry.Add(path);
        }
    }

    /// <summary>
    /// The read file's metadata once its bytes are out. fstat on the descriptor, not a stat of the path: no path walk
    /// per file, and it describes the very inode that was read (the open checked it is the one scanned), so an
    /// unchanged size and mtime mean the digest belongs to the scanned entry. A file renamed over the path meanwhile
    /// has another inode, which the next scan (or the watcher's event) sees.
    /// </summary>
    private StatInfo? StatOpen(Paths.ReadOnlyFile content, string path)
    {
        if (!Paths.Native.Supported)
        {
            return FileStat.Lstat(Path.Combine(localRoot, path));
        }

        var fd = content.SafeFileHandle.DangerousGetHandle().ToInt32();
        return Paths.Native.StatAt(fd, "", emptyPath: true);
    }

    private async Task SettleAsync(Issued issued, PushResult result, List<Operation> retries)
    {
        var (op, ack, entry, delta) = issued;
        try
        {
            await ack.ConfigureAwait(false);
        }
        catch (AgentErrorException e)
        {
            switch (e.Code)
            {
                case ErrorCode.BaseMismatch or ErrorCode.DigestMismatch when delta:
                case ErrorCode.DigestMismatch or ErrorCode.IoError when op.Kind == OperationKind.CopyFile:
                    retries.Add(op);
                    break;
                case ErrorCode.DigestMismatch:
                    result.Retry.Add(op.Path);
                    break;
                case ErrorCode.NoSpace or ErrorCode.ReadOnly:
                    // Not the path's problem: the session reports it, waits for room and retries the whole pass.
                    result.RecordDisk(e.Disk ?? new DiskFault(e.Code == ErrorCode.ReadOnly, op.Path, entry?.Size ?? 0, 0));
                    break;
                default:
                    result.Problems.Add((op.Path, e.AgentMessage));
                    break;
            }

            return;
        }

        result.CountApplied();
        if (op.Kind == OperationKind.Delete)
        {
            result.CountDelete();
            RemoveSubtree(op.Path);
            return;
        }

        if (op.Kind != OperationKind.SetMode && op.Remote is { Kind: EntryKind.Directory })
        {
            RemoveSubtree(op.Path); // a folder replaced by a file or link took its content with it
        }

        remote[op.Path] = entry!.Value;
        if (op.Kind == OperationKind.SendFile)
        {
            result.CountFile(entry.Value.Size, delta);
        }
        else if (op.Kind == OperationKind.CopyFile)
        {
            result.CountCopy();
        }
    }

    private void RemoveSubtree(string path)
    {
        if (!remote.Remove(path, out var removed) || removed.Kind != EntryKind.Directory)
        {
            return; // only a folder has entries below it
        }

        var prefix = path + "/";
        foreach (var key in remote.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            remote.Remove(key);
        }
    }
}
