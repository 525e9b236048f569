using Yak.Sync.Compression;
using Yak.Sync.Hashing;
using Yak.Sync.Ignore;
using Yak.Sync.Paths;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;

namespace Yak.Agent;

/// <summary>Receiving files: whole, as deltas, as copies; publishing them in fsync'ed batches.</summary>
public sealed partial class AgentServer
{
    private async Task BeginFileAsync(Frame frame, CancellationToken cancellationToken)
    {
        var id = frame.RequestId;
        var (path, executable, basisDigest, blockSize) = ReadBegin(frame);
        if (pendingPaths.Contains(path))
        {
            await CommitPendingAsync(cancellationToken).ConfigureAwait(false);
        }

        IncomingFile transfer;
        try
        {
            var (folder, name) = operations!.PrepareFile(path);
            if (frame.Type == MessageType.PutFile)
            {
                transfer = IncomingFile.Whole(id, path, folder, name, executable);
            }
            else
            {
                Digest? current;
                try
                {
                    current = CurrentDigest(path, folder, name);
                }
                catch
                {
                    folder.Dispose();
                    throw;
                }

                if (current == basisDigest && blockSize > 0)
                {
                    transfer = IncomingFile.Delta(id, path, folder, name, executable, blockSize);
                }
                else
                {
                    folder.Dispose();
                    transfer = IncomingFile.Failed(id, path, ErrorCode.BaseMismatch, $"'{path}' is {(current is null ? "missing" : current.ToString())}, delta is against {basisDigest}");
                }
            }
        }
        catch (PathRefusedException e)
        {
            log.WriteLine($"yak-agent: {e.Message}");
            transfer = IncomingFile.Failed(id, path, ErrorCode.PathRefused, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            transfer = IncomingFile.Failed(id, path, DiskFaults.CodeFor(e), e.Message);
        }

        if (!transfers.TryAdd(id, transfer))
        {
            transfer.Dispose();
            throw new InvalidDataException($"request id {id} reused while in flight");
        }
    }

    private static (string Path, bool Executable, Digest Basis, int BlockSize) ReadBegin(Frame frame)
    {
        var reader = new PayloadReader(frame.Payload.Span);
        var path = reader.String();
        var executable = ((EntryFlags)reader.Byte()).HasFlag(EntryFlags.Executable);
        if (frame.Type == MessageType.PutFile)
        {
            return (path, executable, default, 0);
        }

        var basis = reader.Digest();
        var blockSize = reader.VarUInt();
        return (path, executable, basis, blockSize is > 0 and <= int.MaxValue ? (int)blockSize : 0);
    }

    private Digest? CurrentDigest(string path, DirectoryHandle folder, string name)
    {
        if (folder.Stat(name) is not { Kind: EntryKind.File } stat)
        {
            return null;
        }

        if (manifest.Entries.TryGetValue(path, out var known) && known.Kind == EntryKind.File && known.Size == stat.Size &&
            known.MtimeNs == stat.MtimeNs && known.Inode == stat.Inode && known.MtimeNs != 0)
        {
            return known.Digest;
        }

        using var file = folder.OpenRead(name).Stream;
        return Digest.OfStream(file);
    }

    private async Task CopyFileAsync(Frame frame, CancellationToken cancellationToken)
    {
        var (path, executable, source, expected, length) = ReadCopy(frame);
        if (pendingPaths.Contains(path) || pendingPaths.Contains(source))
        {
            await CommitPendingAsync(cancellationToken).ConfigureAwait(false);
        }

        IncomingFile? transfer = null;
        try
        {
            // The source is opened first: preparing the target may close the folders opened to find it.
            var located = operations!.Locate(source);
            ReadOnlyFile? input = null;
            try
            {
                input = located is { } l ? l.Folder.OpenRead(l.Name).Stream : null;
            }
            catch (IOException)
            {
            }

            if (input is null)
            {
                transfer = IncomingFile.Failed(frame.RequestId, path, ErrorCode.DigestMismatch, $"copy source '{source}' is not a file");
            }
            else
            {
                using (input)
                {
                    var (folder, name) = operations.PrepareFile(path);
                    transfer = IncomingFile.Whole(frame.RequestId, path, folder, name, executable);
                    var buffer = new byte[1 << 17];
                    int read;
                    while ((read = input.Read(buffer)) > 0)
                    {
                        transfer.Write(buffer.AsSpan(0, read));
                    }
                }
            }
        }
        catch (PathRefusedException e)
        {
            transfer?.Dispose();
            transfer = IncomingFile.Failed(frame.RequestId, path, ErrorCode.PathRefused, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            transfer?.Dispose();
            transfer = IncomingFile.Failed(frame.RequestId, path, DiskFaults.CodeFor(e), e.Message);
        }

        await FinishAsync(transfer, expected, length, cancellationToken).ConfigureAwait(false);
    }

    private static (string Path, bool Executable, string Source, Digest Expected, long Length) ReadCopy(Frame frame)
    {
        var reader = new PayloadReader(frame.Payload.Span);
        var path = reader.String();
        var executable = ((EntryFlags)reader.Byte()).HasFlag(EntryFlags.Executable);
        return (path, executable, reader.String(), reader.Digest(), reader.VarLong());
    }

    private void OnChunk(uint id, ReadOnlySpan<byte> payload)
    {
        if (!transfers.TryGetValue(id, out var transfer))
        {
            throw new InvalidDataException($"chunk for unknown request {id}");
        }

        if (transfer.Failure is not null || payload.IsEmpty)
        {
            return;
        }

        try
        {
            transfer.Write(codec.Decode((ChunkEncoding)payload[0], payload[1..]));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            transfers[id] = IncomingFile.Failed(id, transfer.Relative, e is InvalidDataException ? ErrorCode.BadRequest : DiskFaults.CodeFor(e), e.Message);
            transfer.Dispose();
        }
    }

    private async Task OnEndAsync(uint id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!transfers.Remove(id, out var transfer))
        {
            throw new InvalidDataException($"End for unknown request {id}");
        }

        var (digest, length) = ReadEnd(payload.Span);
        await FinishAsync(transfer, digest, length, cancellationToken).ConfigureAwait(false);
    }

    private async Task FinishAsync(IncomingFile transfer, Digest digest, long length, CancellationToken cancellationToken)
    {
        var id = transfer.Id;
        if (!transfer.Finish(digest, length))
        {
            var (code, message) = transfer.Failure!.Value;
            transfer.Dispose();
            await ReplyErrorAsync(id, code, message, cancellationToken, transfer.Relative, length).ConfigureAwait(false);
            return;
        }

        pending.Add(transfer);
        pendingPaths.Add(transfer.Relative);
        if (pending.Count >= MaxPendingCommits)
        {
            await CommitPendingAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static (Digest, long) ReadEnd(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        return (reader.Digest(), reader.VarLong());
    }

    /// <summary>Flush (and, when durable, fsync in parallel) the finished files, then rename each into place and acknowledge it.</summary>
    private async Task CommitPendingAsync(CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        var batch = pending.ToList();
        pending.Clear();
        pendingPaths.Clear();
        if (Durable)
        {
            Parallel.ForEach(batch, new ParallelOptions { MaxDegreeOfParallelism = 8 }, file => file.Sync(durable: true));
        }
        else
        {
            foreach (var file in batch)
            {
                file.Sync(durable: false); // a plain flush: no worker threads spinning for 256 tiny writes
            }
        }

        foreach (var file in batch)
        {
            // The temp goes (Dispose) before the answer: whoever the answer wakes — a flush, a reader of the replica —
            // finds no temp entry. The target keeps its last good content.
            try
            {
                var failure = file.Failure;
                if (failure is null)
                {
                    try
                    {
                        var stat = file.Commit();
                        manifest.RemoveSubtree(file.Relative);
                        manifest.Entries[file.Relative] = file.Result!.Value with { MtimeNs = stat?.MtimeNs ?? 0, Inode = stat?.Inode ?? 0 };
                        WriteSucceeded();
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        failure = (DiskFaults.CodeFor(e), e.Message);
                    }
                }

                file.Dispose();
                if (failure is { } refused)
                {
                    await ReplyErrorAsync(file.Id, refused.Code, refused.Message, cancellationToken, file.Relative, file.Result?.Size ?? 0).ConfigureAwait(false);
                }
                else
                {
                    await writer.WriteAsync(MessageType.Ack, file.Id, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                file.Dispose();
            }
        }
    }
}
