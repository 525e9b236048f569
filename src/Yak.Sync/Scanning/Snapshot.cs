using System.IO.Hashing;
using System.Text;
using Yak.Sync.Hashing;
using Yak.Sync.Storage;

namespace Yak.Sync.Scanning;

/// <summary>
/// A tree as a map of relative paths ('/'-separated, no leading slash) to entries. Also the digest cache: an entry's
/// (size, mtime, inode) key its digest on the next scan. Not thread-safe.
/// </summary>
public sealed class Snapshot
{
    private const uint Magic = 0x4E53_4B59; // "YKSN"
    private const int FormatVersion = 2; // 2: a checksum of the content follows it

    public Dictionary<string, Entry> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>Files modified so recently that an unchanged (size, mtime) does not prove unchanged content (racy git).</summary>
    public HashSet<string> Unsettled { get; } = new(StringComparer.Ordinal);

    public int Count => Entries.Count;

    public static bool IsUnder(string path, string folder) =>
        folder.Length == 0 || (path.Length > folder.Length && path[folder.Length] == '/' && path.StartsWith(folder, StringComparison.Ordinal));

    /// <summary>Removes <paramref name="path"/> and everything below it.</summary>
    public void RemoveSubtree(string path)
    {
        var hadChildren = path.Length == 0 || (Entries.TryGetValue(path, out var existing) && existing.Kind == EntryKind.Directory);
        Entries.Remove(path);
        Unsettled.Remove(path);
        if (!hadChildren)
        {
            return; // only folders have content below them (a file path costs O(1), not a walk of the map)
        }

        if (path.Length == 0)
        {
            Entries.Clear();
            Unsettled.Clear();
            return;
        }

        var prefix = path + "/";
        foreach (var key in Entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            Entries.Remove(key);
            Unsettled.Remove(key);
        }
    }

    public long TotalFileBytes => Entries.Values.Where(e => e.Kind == EntryKind.File).Sum(e => e.Size);

    /// <summary>Digest of what a replica must hold: sorted paths with kind, size, executable bit, digest, target.</summary>
    public Digest ManifestDigest() => ComputeManifestDigest(Entries);

    public static Digest ComputeManifestDigest(IReadOnlyDictionary<string, Entry> entries)
    {
        var hasher = new XxHash128();
        Span<byte> scratch = stackalloc byte[Digest.Size + 16];
        foreach (var (path, entry) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            hasher.Append(Encoding.UTF8.GetBytes(path));
            scratch.Clear();
            scratch[0] = 0;
            scratch[1] = (byte)entry.Kind;
            scratch[2] = entry.Executable ? (byte)1 : (byte)0;
            BitConverter.TryWriteBytes(scratch[3..], entry.Kind == EntryKind.File ? entry.Size : 0);
            hasher.Append(scratch[..11]);
            if (entry.Kind == EntryKind.File)
            {
                entry.Digest.Write(scratch);
                hasher.Append(scratch[..Digest.Size]);
            }
            else if (entry.Kind == EntryKind.Symlink)
            {
                hasher.Append(Encoding.UTF8.GetBytes(entry.Target ?? ""));
            }
        }

        return Digest.From(hasher);
    }

    public void WriteTo(Stream stream)
    {
        var checksum = new ChecksumStream(stream);
        using (var writer = new BinaryWriter(checksum, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(Entries.Count);
            Span<byte> digest = stackalloc byte[Digest.Size];
            foreach (var (path, entry) in Entries)
            {
                writer.Write(path);
                writer.Write((byte)entry.Kind);
                writer.Write(entry.Size);
                writer.Write(Unsettled.Contains(path) ? 0L : entry.MtimeNs); // an unsettled digest must not be trusted later
                writer.Write(entry.Inode);
                writer.Write(entry.Executable);
                entry.Digest.Write(digest);
                writer.Write(digest);
                writer.Write(entry.Target ?? "");
            }
        }

        // The checksum of everything above: a torn or garbled file is told apart from a valid one, never half-trusted.
        Span<byte> sum = stackalloc byte[8];
        BitConverter.TryWriteBytes(sum, checksum.Hash.GetCurrentHashAsUInt64());
        stream.Write(sum);
    }

    /// <summary>Reads a snapshot; anything malformed (truncated, garbled, another version) is an <see cref="InvalidDataException"/>.</summary>
    public static Snapshot ReadFrom(Stream stream)
    {
        try
        {
            return ReadChecked(stream);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException(e is EndOfStreamException ? "truncated" : $"malformed ({e.Message})", e);
        }
    }

    private static Snapshot ReadChecked(Stream stream)
    {
        var bytes = SnapshotReader.ReadAll(stream);
        var reader = new SnapshotReader(bytes);
        var snapshot = new Snapshot();
        if (reader.UInt32() != Magic)
        {
            throw new InvalidDataException("not a snapshot file");
        }

        if (reader.Int32() is var version && version != FormatVersion)
        {
            throw new InvalidDataException($"format {version}, this version reads {FormatVersion}");
        }

        var count = reader.Int32();
        if (count < 0)
        {
            throw new InvalidDataException($"negative entry count {count}");
        }

        // Sized from the file, not the count it claims: a garbled count cannot make it allocate more than the file holds.
        snapshot.Entries.EnsureCapacity((int)Math.Min(count, bytes.Length / 45L));
        for (var i = 0; i < count; i++)
        {
            var path = reader.String();
            var kind = (EntryKind)reader.Byte();
            var size = reader.Int64();
            var mtime = reader.Int64();
            var inode = reader.UInt64();
            var executable = reader.Boolean();
            var digest = reader.Digest();
            var target = reader.String();
            if (!Enum.IsDefined(kind) || size < 0 || size > Entry.MaxSize || path.Length == 0)
            {
                throw new InvalidDataException($"entry {i} is malformed");
            }

            snapshot.Entries[path] = new Entry(kind, size, mtime, inode, executable, digest, kind == EntryKind.Symlink ? target : null);
        }

        var expected = reader.ChecksumOfConsumed;
        if (reader.UInt64() != expected)
        {
            throw new InvalidDataException("checksum mismatch (the file was changed or torn)");
        }

        return snapshot;
    }

    /// <summary>
    /// Loads a persisted snapshot; a missing file yields null (a cold cache). A corrupt one is deleted and reported
    /// through <paramref name="discarded"/> (its path and why), then yields null too: a cache is never worth a crash.
    /// </summary>
    public static Snapshot? TryLoad(string path, Action<string>? discarded = null)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            discarded?.Invoke($"{path} cannot be read ({e.Message}); starting without it");
            return null;
        }

        try
        {
            using (stream)
            {
                return ReadFrom(stream);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception deleteFailed) when (deleteFailed is IOException or UnauthorizedAccessException)
            {
            }

            discarded?.Invoke($"discarded {path}: {e.Message}; it is rebuilt");
            return null;
        }
    }

    public void Save(string path) => Storage.AtomicFile.Write(path, WriteTo);
}
