using Yak.Sync.Ignore;
using Yak.Sync.Scanning;

namespace Yak.Sync.Session;

public enum OperationKind
{
    Delete,
    MakeDirectory,
    SendFile,
    SetMode,
    Symlink,

    /// <summary>The agent already holds this content at <see cref="Operation.Source"/> (a rename, a move, a duplicate).</summary>
    CopyFile,
}

public readonly record struct Operation(OperationKind Kind, string Path, Entry? Local, Entry? Remote, string? Source = null);

/// <summary>
/// Replica semantics: the agent must end up holding exactly the local tree, minus ignored paths, which are left alone
/// on the remote side whatever they contain. Order: deletes that make room for something (same path, or a parent or
/// child of a created path) first, then creations in path order (every folder before its content), then the other
/// deletes. Deleting last lets a renamed or moved file be copied on the agent from its old place instead of resent.
/// </summary>
public static class Reconciler
{
    /// <param name="scope">Paths to compare, or null for every path on either side.</param>
    public static List<Operation> Plan(Snapshot local, IReadOnlyDictionary<string, Entry> remote, IgnoreRules ignore, IEnumerable<string>? scope)
    {
        var paths = scope is null
            ? local.Entries.Keys.Concat(remote.Keys).Distinct(StringComparer.Ordinal)
            : scope.Distinct(StringComparer.Ordinal);
        var sorted = paths.Order(StringComparer.Ordinal).ToList();

        var deletes = new List<Operation>();
        var deletedFolders = new HashSet<string>(StringComparer.Ordinal);
        var others = new List<Operation>();
        foreach (var path in sorted)
        {
            var hasLocal = local.Entries.TryGetValue(path, out var l);
            var hasRemote = remote.TryGetValue(path, out var r);
            if (!hasLocal)
            {
                if (!hasRemote || UnderAny(path, deletedFolders) || ignore.IsIgnored(path, r.Kind == EntryKind.Directory))
                {
                    continue;
                }

                deletes.Add(new Operation(OperationKind.Delete, path, null, r));
                if (r.Kind == EntryKind.Directory)
                {
                    deletedFolders.Add(path);
                }

                continue;
            }

            if (hasRemote && l.SameContent(r))
            {
                continue;
            }

            var kind = l.Kind switch
            {
                EntryKind.Directory => OperationKind.MakeDirectory,
                EntryKind.Symlink => OperationKind.Symlink,
                _ when hasRemote && r.Kind == EntryKind.File && r.Size == l.Size && r.Digest == l.Digest => OperationKind.SetMode,
                _ => OperationKind.SendFile,
            };
            others.Add(new Operation(kind, path, l, hasRemote ? r : null));
        }

        return Order(deletes, others, remote);
    }

    /// <summary>Files smaller than this are simply resent: a copy request would not be much smaller.</summary>
    public const long MinCopySize = 1024;

    private static List<Operation> Order(List<Operation> deletes, List<Operation> others, IReadOnlyDictionary<string, Entry> remote)
    {
        var targets = others.Select(o => o.Path).ToHashSet(StringComparer.Ordinal);
        var deleted = deletes.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);
        var blockingPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            if (deleted.Contains(target))
            {
                blockingPaths.Add(target);
            }

            foreach (var ancestor in Ancestors(target).Where(deleted.Contains))
            {
                blockingPaths.Add(ancestor);
            }
        }

        foreach (var path in deleted.Where(d => Ancestors(d).Any(targets.Contains)))
        {
            blockingPaths.Add(path);
        }

        var blocking = deletes.Where(d => blockingPaths.Contains(d.Path)).ToList();
        var later = deletes.Where(d => !blockingPaths.Contains(d.Path)).ToList();

        // Copy sources: remote files that nothing in this plan rewrites or removes before the copy runs.
        var sources = new Dictionary<(Hashing.Digest, long), string>();
        foreach (var (path, entry) in remote)
        {
            if (entry.Kind == EntryKind.File && entry.Size >= MinCopySize && !targets.Contains(path) &&
                !blockingPaths.Contains(path) && !Ancestors(path).Any(blockingPaths.Contains) && !Ancestors(path).Any(targets.Contains))
            {
                sources.TryAdd((entry.Digest, entry.Size), path);
            }
        }

        var result = new List<Operation>(deletes.Count + others.Count);
        result.AddRange(blocking);
        foreach (var op in others)
        {
            if (op.Kind == OperationKind.SendFile && op.Local is { Size: >= MinCopySize } l && sources.TryGetValue((l.Digest, l.Size), out var source))
            {
                result.Add(op with { Kind = OperationKind.CopyFile, Source = source });
            }
            else
            {
                result.Add(op);
            }
        }

        result.AddRange(later);
        return result;
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
    }

    private static bool UnderAny(string path, HashSet<string> folders)
    {
        if (folders.Count == 0)
        {
            return false;
        }

        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            if (folders.Contains(path[..slash]))
            {
                return true;
            }
        }

        return false;
    }
}
