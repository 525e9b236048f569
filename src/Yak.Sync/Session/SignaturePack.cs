using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Yak.Sync.Delta;
using Yak.Sync.Hashing;

namespace Yak.Sync.Session;

/// <summary>
/// Every stored rsync signature of a session in one append-only file, keyed by content digest. One file for all of them,
/// not one per large file: a first sync signs thousands of files, and a file per signature (temp + rename) cost the
/// daemon an inode allocation each — half of its CPU on a busy volume (perf, README). Records go out in large writes
/// at the end of a pass (or every 256 KiB); nothing is fsync'ed: a record that is torn, garbled or lost costs the next
/// edit of that content a whole-file send, because each record carries a checksum and the agent checks every rebuilt
/// file against the digest of what was read. Dead records are dropped by rewriting the pack (temp + rename) once they
/// are half of it. Only the session's loop uses it (one thread at a time); the lock is a guard, not a design.
/// </summary>
internal sealed class SignaturePack(string path, Action<string>? log)
{
    private const ulong Magic = 0x3150_4749_534B_4159; // "YAKSIGP1"
    private const int HeaderSize = 8;

    // length (u32) | digest (16) | XxHash3 of length, digest and body (u64) | body (Signature.Serialize)
    private const int RecordHead = 4 + Digest.Size + 8;

    // A signature of a 16 GiB file at 128 KiB blocks is 1.5 MiB: anything far beyond is garbage, not a record.
    private const int MaxRecord = 64 << 20;
    private const int FlushAt = 256 << 10;

    private readonly object gate = new();
    private ArrayBufferWriter<byte> pending = new();
    private readonly List<Digest> pendingDigests = [];
    private Dictionary<Digest, (long Offset, int Length)>? index;

    // Where the next record goes (the header counts, written or not) and whether the file holds the header yet.
    private long end = HeaderSize;
    private bool created;

    public string Path { get; } = path;

    /// <summary>Records in the pack (loaded on first use).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return Index().Count;
            }
        }
    }

    public bool Contains(Digest digest)
    {
        lock (gate)
        {
            return Index().ContainsKey(digest);
        }
    }

    public Signature? Load(Digest digest)
    {
        lock (gate)
        {
            if (!Index().TryGetValue(digest, out var at))
            {
                return null;
            }

            if (at.Offset >= end)
            {
                Flush(); // still in memory: written before it is read back, so there is one reading path
                if (!Index().TryGetValue(digest, out at))
                {
                    return null;
                }
            }

            var record = new byte[at.Length];
            try
            {
                using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
                if (RandomAccess.Read(handle, record, at.Offset) != record.Length)
                {
                    throw new InvalidDataException("truncated");
                }

                var body = record.AsSpan(RecordHead);
                if (BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(4 + Digest.Size)) != Check(record, body) ||
                    Digest.Read(record.AsSpan(4)) != digest)
                {
                    throw new InvalidDataException("checksum mismatch");
                }

                return Signature.Deserialize(body);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                index!.Remove(digest); // the next send of that content signs it afresh
                log?.Invoke($"warning: discarded signature {digest} in {Path}: {e.Message}; the file is sent whole");
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>Queues the signature of <paramref name="digest"/>'s content (kept in memory until <see cref="Flush"/> or 256 KiB).</summary>
    public void Add(Digest digest, Signature signature)
    {
        lock (gate)
        {
            var records = Index();
            if (records.ContainsKey(digest))
            {
                return;
            }

            var length = RecordHead + signature.SerializedSize;
            var offset = end + pending.WrittenCount;
            WriteRecord(pending, digest, signature.Serialize());
            records[digest] = (offset, length);
            pendingDigests.Add(digest);
            if (pending.WrittenCount >= FlushAt)
            {
                Flush();
            }
        }
    }

    /// <summary>Writes what is queued (one write); on failure the queued records are forgotten, as if never signed.</summary>
    public void Flush()
    {
        lock (gate)
        {
            if (pending.WrittenCount == 0)
            {
                return;
            }

            try
            {
                using var pack = OpenForAppend();
                RandomAccess.Write(pack.SafeFileHandle, pending.WrittenSpan, end);
                end += pending.WrittenCount;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A signature only saves bytes on the next edit: a full local disk costs whole-file sends, not the sync.
                foreach (var digest in pendingDigests)
                {
                    index!.Remove(digest);
                }

                log?.Invoke($"warning: could not save {pendingDigests.Count} signatures in {Path}: {e.Message}");
            }
            finally
            {
                pendingDigests.Clear();
                pending.ResetWrittenCount();
                if (pending.Capacity > 64 << 10)
                {
                    pending = new ArrayBufferWriter<byte>(); // an idle session keeps no pass-sized buffer
                }
            }
        }
    }

    /// <summary>Keeps the signatures of <paramref name="live"/> content; rewrites the pack once dead records are half of it.</summary>
    /// <returns>How many records were dropped.</returns>
    public int Collect(IEnumerable<Digest> live)
    {
        lock (gate)
        {
            Flush();
            var records = Index();
            var keep = live.ToHashSet();
            long deadBytes = 0;
            var dead = 0;
            foreach (var (digest, at) in records)
            {
                if (!keep.Contains(digest))
                {
                    dead++;
                    deadBytes += at.Length;
                }
            }

            if (dead == 0 || deadBytes * 2 < end - HeaderSize)
            {
                return 0;
            }

            Rewrite(records.Where(r => keep.Contains(r.Key)).OrderBy(r => r.Value.Offset).ToList());
            return dead;
        }
    }

    private void Rewrite(List<KeyValuePair<Digest, (long Offset, int Length)>> live)
    {
        var temp = $"{Path}.{Guid.NewGuid():N}.tmp";
        var rebuilt = new Dictionary<Digest, (long, int)>(live.Count);
        try
        {
            using (var source = File.OpenHandle(Path, FileMode.Open, FileAccess.Read))
            using (var target = Storage.AtomicFile.CreatePrivate(temp))
            {
                target.Write(Header());
                var offset = (long)HeaderSize;
                var buffer = new byte[64 << 10];
                foreach (var (digest, at) in live)
                {
                    if (buffer.Length < at.Length)
                    {
                        buffer = new byte[at.Length];
                    }

                    if (RandomAccess.Read(source, buffer.AsSpan(0, at.Length), at.Offset) != at.Length)
                    {
                        continue;
                    }

                    target.Write(buffer, 0, at.Length);
                    rebuilt[digest] = (offset, at.Length);
                    offset += at.Length;
                }
            }

            File.Move(temp, Path, overwrite: true);
            created = true;
            index = rebuilt;
            end = HeaderSize + rebuilt.Values.Sum(r => (long)r.Item2);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            log?.Invoke($"warning: could not compact {Path}: {e.Message}");
        }
    }

    /// <summary>The index of the pack on disk, read once: record heads only, up to the first that does not fit.</summary>
    private Dictionary<Digest, (long Offset, int Length)> Index()
    {
        if (index is not null)
        {
            return index;
        }

        index = [];
        end = HeaderSize;
        created = false;
        try
        {
            using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
            var size = RandomAccess.GetLength(handle);
            Span<byte> head = stackalloc byte[RecordHead];
            if (size < HeaderSize || RandomAccess.Read(handle, head[..HeaderSize], 0) != HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(head) != Magic)
            {
                Discard(size == 0 ? null : "not a signature pack");
                return index;
            }

            created = true;
            var offset = (long)HeaderSize;
            while (offset + RecordHead <= size && RandomAccess.Read(handle, head, offset) == RecordHead)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(head);
                if (length < RecordHead || length > MaxRecord || offset + length > size)
                {
                    break; // a torn tail (a crash during an append): the next append overwrites it
                }

                index[Digest.Read(head[4..])] = (offset, length);
                offset += length;
            }

            end = offset;
        }
        catch (FileNotFoundException)
        {
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Invoke($"warning: could not read {Path}: {e.Message}; large files are sent whole once");
        }

        return index;
    }

    private void Discard(string? why)
    {
        if (why is not null)
        {
            log?.Invoke($"warning: discarded signature pack {Path}: {why}; large files are sent whole once");
        }

        TryDelete(Path);
    }

    /// <summary>The pack, created private with its header if it is not there, cut back to its last whole record.</summary>
    private FileStream OpenForAppend()
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Storage.AtomicFile.PrivateFile; // born 0600: no window before a chmod
        }

        var pack = new FileStream(Path, options);
        try
        {
            if (!created)
            {
                RandomAccess.Write(pack.SafeFileHandle, Header(), 0);
                created = true;
            }

            if (pack.Length != end)
            {
                pack.SetLength(end);
            }

            return pack;
        }
        catch
        {
            pack.Dispose();
            throw;
        }
    }

    private static byte[] Header()
    {
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        return header;
    }

    private static void WriteRecord(IBufferWriter<byte> into, Digest digest, ReadOnlySpan<byte> body)
    {
        var length = RecordHead + body.Length;
        var span = into.GetSpan(length)[..length];
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        digest.Write(span[4..]);
        body.CopyTo(span[RecordHead..]);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(4 + Digest.Size)..], Check(span, body));
        into.Advance(length);
    }

    /// <summary>XxHash3 of the length, the digest and the body (everything but the check itself).</summary>
    private static ulong Check(ReadOnlySpan<byte> record, ReadOnlySpan<byte> body)
    {
        var hash = new XxHash3();
        hash.Append(record[..(4 + Digest.Size)]);
        hash.Append(body);
        return hash.GetCurrentHashAsUInt64();
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
