using Yak.Sync.Delta;
using Yak.Sync.Link;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;

namespace Yak.Sync.Session;

/// <summary>Counters of one push pass.</summary>
public sealed class PushResult
{
    public int Applied { get; set; }

    public long FilesSent { get; set; }

    public long BytesRaw { get; set; }

    public long Deletes { get; set; }

    public long Deltas { get; set; }

    public List<string> Problems { get; } = [];

    /// <summary>Paths that changed while being sent: rescan them and try again.</summary>
    public List<string> Retry { get; } = [];
}

/// <summary>
/// Executes a plan over the link: every request is written without waiting (pipelined), then the acknowledgements are
/// collected and the remote model updated. A delta goes out when the signature of the agent's current content is
/// known; a BaseMismatch answer is retried as a whole file.
/// </summary>
internal sealed class Pusher(string localRoot, SessionStore store, Dictionary<string, Entry> remote)
{
    public PushResult Push(AgentClient client, IReadOnlyList<Operation> plan, CancellationToken cancellationToken)
    {
        var result = new PushResult();
        var sent = new List<(Operation Op, Task Ack, Entry? NewEntry, bool Delta)>(plan.Count);
        foreach (var op in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Issue(client, op, allowDelta: true) is { } issued)
            {
                sent.Add((op, issued.Ack, issued.Entry, issued.Delta));
            }
        }

        client.FlushAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
        var retries = new List<Operation>();
        foreach (var (op, ack, entry, delta) in sent)
        {
            if (Settle(op, ack, entry, delta, result) == ErrorCode.BaseMismatch)
            {
                retries.Add(op);
            }
        }

        if (retries.Count > 0)
        {
            var second = new List<(Operation, Task, Entry?, bool)>();
            foreach (var op in retries)
            {
                remote.Remove(op.Path);
                if (Issue(client, op, allowDelta: false) is { } issued)
                {
                    second.Add((op, issued.Ack, issued.Entry, false));
                }
            }

            client.FlushAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
            foreach (var (op, ack, entry, delta) in second)
            {
                Settle(op, ack, entry, delta, result);
            }
        }

        return result;
    }

    private (Task Ack, Entry? Entry, bool Delta)? Issue(AgentClient client, Operation op, bool allowDelta)
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
            default:
                return SendFile(client, op, allowDelta);
        }
    }

    private (Task Ack, Entry? Entry, bool Delta)? SendFile(AgentClient client, Operation op, bool allowDelta)
    {
        var local = op.Local!.Value;
        FileStream content;
        try
        {
            content = new FileStream(Path.Combine(localRoot, op.Path), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // vanished or unreadable since the scan; the watcher reports it again
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
            var sentFile = client.SendFile(op.Path, local.Executable, content, basis, digest, signBlock);
            if (sentFile.Signature is { } signature)
            {
                store.SaveSignature(sentFile.Digest, signature);
            }

            var entry = new Entry(EntryKind.File, sentFile.Length, 0, 0, local.Executable, sentFile.Digest, null);
            return (sentFile.Ack, entry, sentFile.AsDelta);
        }
    }

    private ErrorCode? Settle(Operation op, Task ack, Entry? entry, bool delta, PushResult result)
    {
        try
        {
            ack.GetAwaiter().GetResult();
        }
        catch (AgentErrorException e)
        {
            switch (e.Code)
            {
                case ErrorCode.BaseMismatch:
                    return e.Code;
                case ErrorCode.DigestMismatch:
                    result.Retry.Add(op.Path);
                    return e.Code;
                default:
                    result.Problems.Add($"{op.Path}: {e.Message}");
                    return e.Code;
            }
        }

        result.Applied++;
        if (op.Kind == OperationKind.Delete)
        {
            result.Deletes++;
            RemoveSubtree(op.Path);
            return null;
        }

        if (op.Kind != OperationKind.SetMode && op.Remote is { Kind: EntryKind.Directory })
        {
            RemoveSubtree(op.Path); // a folder replaced by a file or link took its content with it
        }

        remote[op.Path] = entry!.Value;
        if (op.Kind == OperationKind.SendFile)
        {
            result.FilesSent++;
            result.BytesRaw += entry.Value.Size;
            if (delta)
            {
                result.Deltas++;
            }
        }

        return null;
    }

    private void RemoveSubtree(string path)
    {
        remote.Remove(path);
        var prefix = path + "/";
        foreach (var key in remote.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            remote.Remove(key);
        }
    }
}
