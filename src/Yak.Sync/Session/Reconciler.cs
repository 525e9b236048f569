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
}

public readonly record struct Operation(OperationKind Kind, string Path, Entry? Local, Entry? Remote);

/// <summary>
/// Replica semantics: the agent must end up holding exactly the local tree, minus ignored paths, which are left alone
/// on the remote side whatever they contain. Deletes come first (a removed folder takes its subtree with it), then
/// everything else in path order, which puts every folder before its content.
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

        deletes.AddRange(others);
        return deletes;
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
