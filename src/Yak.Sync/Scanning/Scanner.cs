using System.Collections.Concurrent;
using Yak.Sync.Hashing;
using Yak.Sync.Ignore;

namespace Yak.Sync.Scanning;

/// <summary>Counters of one scan: how much was only stat'ed versus read.</summary>
public readonly record struct ScanStats(int Entries, int FilesHashed, long BytesHashed, TimeSpan Elapsed);

/// <summary>
/// Walks a tree in parallel (folder by folder, one statx per entry) and hashes only files whose (size, mtime, inode)
/// differ from the previous snapshot, so rescanning an unchanged tree costs stats, not reads. Symlinks are recorded,
/// never followed. Ignored paths are neither listed nor descended into.
/// </summary>
public sealed class Scanner(string root, IgnoreRules ignore, TimeProvider? time = null)
{
    private static readonly long SettleNs = TimeSpan.FromSeconds(2).Ticks * 100;

    public string Root { get; } = Path.GetFullPath(root);

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public ScanStats LastStats { get; private set; }

    /// <summary>Scans the whole tree. <paramref name="previous"/> is the digest cache (may be null).</summary>
    public Snapshot Scan(Snapshot? previous, CancellationToken cancellationToken = default) => Scan(previous, null, cancellationToken);

    /// <summary>Scans the whole tree. <paramref name="previous"/> is the digest cache (may be null).</summary>
    /// <param name="deferHash">
    /// Files (path, size) not in the cache for which it answers true are listed with a zero digest instead of being read:
    /// the sender hashes them while sending them (a first sync reads each file once, and its first byte leaves without
    /// waiting for the whole tree to be hashed). A zero digest is never taken from the cache.
    /// </param>
    public Snapshot Scan(Snapshot? previous, Func<string, long, bool>? deferHash, CancellationToken cancellationToken = default)
    {
        var snapshot = new Snapshot();
        Walk("", previous ?? new Snapshot(), snapshot, cancellationToken, deferHash);
        return snapshot;
    }

    /// <summary>
    /// Brings <paramref name="snapshot"/> up to date for the given paths and everything below them; returns the set of
    /// paths whose entry changed, appeared or vanished.
    /// </summary>
    public HashSet<string> Rescan(Snapshot snapshot, IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var requested in Minimal(paths.Select(p => LowestKnown(snapshot, p))))
        {
            var before = SubtreeOf(snapshot, requested);
            snapshot.RemoveSubtree(requested);
            var fresh = new Snapshot();
            var cache = new Snapshot();
            foreach (var (k, v) in before)
            {
                cache.Entries[k] = v;
            }

            foreach (var k in before.Keys.Where(snapshot.Unsettled.Contains))
            {
                cache.Unsettled.Add(k);
            }

            if (requested.Length == 0)
            {
                Walk("", cache, fresh, cancellationToken);
            }
            else
            {
                ScanOne(requested, cache, fresh, cancellationToken);
            }

            foreach (var (k, v) in fresh.Entries)
            {
                snapshot.Entries[k] = v;
                if (!before.TryGetValue(k, out var old) || !old.SameContent(v))
                {
                    changed.Add(k);
                }
            }

            snapshot.Unsettled.UnionWith(fresh.Unsettled);
            changed.UnionWith(before.Keys.Where(k => !fresh.Entries.ContainsKey(k)));
        }

        return changed;
    }

    private void ScanOne(string relative, Snapshot cache, Snapshot into, CancellationToken cancellationToken)
    {
        var stat = FileStat.Lstat(Path.Combine(Root, relative));
        if (stat is not { Kind: { } kind } s || ignore.IsIgnored(relative, kind == EntryKind.Directory))
        {
            return;
        }

        if (kind == EntryKind.Directory)
        {
            into.Entries[relative] = Entry.Directory();
            Walk(relative, cache, into, cancellationToken);
            return;
        }

        var pending = new List<(string, StatInfo)>();
        Record(relative, s, cache, into, pending);
        HashAll(pending, into, cancellationToken);
    }

    private void Walk(string start, Snapshot cache, Snapshot into, CancellationToken cancellationToken, Func<string, long, bool>? deferHash = null)
    {
        var started = Clock.GetTimestamp();
        var level = new List<string> { start };
        var pendingHashes = new ConcurrentBag<(string Path, StatInfo Stat)>();
        var gate = new object();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        while (level.Count > 0)
        {
            var next = new ConcurrentBag<string>();
            Parallel.ForEach(level, options, folder =>
            {
                var local = new List<(string Path, Entry? Entry, StatInfo Stat)>();
                foreach (var name in ListNames(folder.Length == 0 ? Root : Path.Combine(Root, folder)))
                {
                    var relative = folder.Length == 0 ? name : folder + "/" + name;
                    var stat = FileStat.Lstat(Path.Combine(Root, relative));
                    if (stat is not { Kind: { } kind } s || ignore.IsExcludedItself(relative, kind == EntryKind.Directory))
                    {
                        continue;
                    }

                    if (kind == EntryKind.Directory)
                    {
                        next.Add(relative);
                    }

                    local.Add((relative, null, s));
                }

                lock (gate)
                {
                    var toHash = new List<(string, StatInfo)>();
                    foreach (var (relative, _, stat) in local)
                    {
                        Record(relative, stat, cache, into, toHash, deferHash);
                    }

                    foreach (var item in toHash)
                    {
                        pendingHashes.Add(item);
                    }
                }
            });
            level = [.. next];
        }

        var hashed = HashAll(pendingHashes.ToList(), into, cancellationToken);
        LastStats = new ScanStats(into.Count, hashed.Files, hashed.Bytes, Clock.GetElapsedTime(started));
    }

    private void Record(string relative, StatInfo stat, Snapshot cache, Snapshot into, List<(string, StatInfo)> toHash, Func<string, long, bool>? deferHash = null)
    {
        switch (stat.Kind)
        {
            case EntryKind.Directory:
                into.Entries[relative] = Entry.Directory();
                break;
            case EntryKind.Symlink:
                string? target = null;
                try
                {
                    target = new FileInfo(Path.Combine(Root, relative)).LinkTarget;
                }
                catch (IOException)
                {
                }

                if (target is not null)
                {
                    into.Entries[relative] = new Entry(EntryKind.Symlink, 0, stat.MtimeNs, stat.Inode, false, default, target);
                }

                break;
            case EntryKind.File:
                var executable = (stat.Mode & 0x40) != 0;
                if (cache.Entries.TryGetValue(relative, out var old) && old.Kind == EntryKind.File && old.Size == stat.Size &&
                    old.MtimeNs == stat.MtimeNs && old.Inode == stat.Inode && old.MtimeNs != 0 && !old.Digest.IsZero && !cache.Unsettled.Contains(relative))
                {
                    into.Entries[relative] = old with { Executable = executable };
                    if (IsUnsettled(stat.MtimeNs))
                    {
                        into.Unsettled.Add(relative);
                    }
                }
                else if (deferHash?.Invoke(relative, stat.Size) == true)
                {
                    into.Entries[relative] = new Entry(EntryKind.File, stat.Size, stat.MtimeNs, stat.Inode, executable, default, null);
                }
                else
                {
                    toHash.Add((relative, stat));
                }

                break;
        }
    }

    private (int Files, long Bytes) HashAll(List<(string Path, StatInfo Stat)> files, Snapshot into, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return (0, 0);
        }

        var results = new (string Path, Entry Entry)?[files.Count];
        long bytes = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, i =>
        {
            var (relative, stat) = files[i];
            try
            {
                var digest = Digest.OfFile(Path.Combine(Root, relative));
                Interlocked.Add(ref bytes, stat.Size);

                // Re-stat: if the file changed while being read, its digest is only provisional.
                var after = FileStat.Lstat(Path.Combine(Root, relative));
                var moved = after is not { } a || a.Size != stat.Size || a.MtimeNs != stat.MtimeNs;
                results[i] = (relative, new Entry(EntryKind.File, stat.Size, moved ? 0 : stat.MtimeNs, stat.Inode, (stat.Mode & 0x40) != 0, digest, null));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Vanished or unreadable: leave it out; the watcher will report it again if it comes back.
            }
        });

        foreach (var result in results)
        {
            if (result is { } r)
            {
                into.Entries[r.Path] = r.Entry;
                if (r.Entry.MtimeNs == 0 || IsUnsettled(r.Entry.MtimeNs))
                {
                    into.Unsettled.Add(r.Path);
                }
            }
        }

        return (files.Count, bytes);
    }

    private TimeProvider Clock { get; } = time ?? TimeProvider.System;

    private bool IsUnsettled(long mtimeNs) =>
        mtimeNs >= ((Clock.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100) - SettleNs;

    private static IEnumerable<string> ListNames(string folder)
    {
        try
        {
            return new System.IO.Enumeration.FileSystemEnumerable<string>(
                folder,
                (ref System.IO.Enumeration.FileSystemEntry e) => e.FileName.ToString(),
                new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true, RecurseSubdirectories = false, ReturnSpecialDirectories = false }).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static Dictionary<string, Entry> SubtreeOf(Snapshot snapshot, string path)
    {
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (path.Length > 0 && !(snapshot.Entries.TryGetValue(path, out var entry) && entry.Kind == EntryKind.Directory))
        {
            // A file, a link, or nothing: no entries can sit below it (parents are always recorded before children).
            if (snapshot.Entries.TryGetValue(path, out var single))
            {
                result[path] = single;
            }

            return result;
        }

        foreach (var (k, v) in snapshot.Entries)
        {
            if (k == path || Snapshot.IsUnder(k, path))
            {
                result[k] = v;
            }
        }

        return result;
    }

    /// <summary>If a parent of the path is unknown (a new folder), rescan from the highest unknown parent.</summary>
    private static string LowestKnown(Snapshot snapshot, string path)
    {
        var result = path;
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        while (slash >= 0)
        {
            var parent = path[..slash];
            if (!snapshot.Entries.TryGetValue(parent, out var entry) || entry.Kind != EntryKind.Directory)
            {
                return parent;
            }

            slash = path.IndexOf('/', slash + 1);
        }

        return result;
    }

    /// <summary>Drops paths already covered by another path in the set ("" covers everything).</summary>
    private static List<string> Minimal(IEnumerable<string> paths)
    {
        var set = new HashSet<string>(paths, StringComparer.Ordinal);
        if (set.Contains(""))
        {
            return [""];
        }

        return set.Where(p =>
        {
            for (var slash = p.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = p.IndexOf('/', slash + 1))
            {
                if (set.Contains(p[..slash]))
                {
                    return false;
                }
            }

            return true;
        }).ToList();
    }
}
