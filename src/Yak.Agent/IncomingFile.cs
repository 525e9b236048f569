using System.IO.Hashing;
using Yak.Sync.Delta;
using Yak.Sync.Hashing;
using Yak.Sync.Paths;
using Yak.Sync.Scanning;
using Yak.Sync.Wire;

namespace Yak.Agent;

/// <summary>
/// One file being received (whole or as a delta) into a temp file in its target folder. It becomes visible only at
/// <see cref="Commit"/>: fsync, mode, rename — a reader sees the old file or the new one, never a mix.
/// A refused transfer still consumes its chunks and reports the refusal at End.
/// </summary>
internal sealed class IncomingFile : IDisposable
{
    private readonly XxHash128 hasher = new();
    private readonly DirectoryHandle? folder;
    private readonly TempFileStream? output;
    private readonly ReadOnlyFile? basis;
    private readonly DeltaApplier? applier;
    private long written;
    private bool committed;
    private bool disposed;

    private IncomingFile(uint id, string relative, DirectoryHandle? folder, string? name, string? temp, bool executable, TempFileStream? output, ReadOnlyFile? basis, int blockSize)
    {
        Id = id;
        Relative = relative;
        this.folder = folder;
        Name = name;
        TempName = temp;
        Executable = executable;
        this.output = output;
        this.basis = basis;
        if (basis is not null && output is not null)
        {
            applier = new DeltaApplier(basis, blockSize, new HashingWriteStream(output, hasher));
        }
    }

    public uint Id { get; }

    public string Relative { get; }

    /// <summary>The target's name inside its folder (the folder is held open, so no path is ever re-walked).</summary>
    public string? Name { get; }

    public string? TempName { get; }

    public bool Executable { get; }

    /// <summary>Set when the request is refused before any data arrives; chunks are then skipped.</summary>
    public (ErrorCode Code, string Message)? Failure { get; private set; }

    public Entry? Result { get; private set; }

    public static IncomingFile Failed(uint id, string relative, ErrorCode code, string message) =>
        new(id, relative, null, null, null, false, null, null, 0) { Failure = (code, message) };

    /// <summary>Starts a whole-file transfer; takes ownership of <paramref name="folder"/>.</summary>
    public static IncomingFile Whole(uint id, string relative, DirectoryHandle folder, string name, bool executable)
    {
        var temp = TreeOperations.TempName();
        try
        {
            return new IncomingFile(id, relative, folder, name, temp, executable, new TempFileStream(folder.CreateFile(temp), temp), null, 0);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Starts a delta against the current file; takes ownership of <paramref name="folder"/>.</summary>
    public static IncomingFile Delta(uint id, string relative, DirectoryHandle folder, string name, bool executable, int blockSize)
    {
        ReadOnlyFile? basis = null;
        try
        {
            basis = folder.OpenRead(name).Stream;
            var temp = TreeOperations.TempName();
            return new IncomingFile(id, relative, folder, name, temp, executable, new TempFileStream(folder.CreateFile(temp), temp), basis, blockSize);
        }
        catch
        {
            basis?.Dispose();
            folder.Dispose();
            throw;
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (Failure is not null || output is null)
        {
            return;
        }

        if (applier is not null)
        {
            applier.Apply(data);
            written = applier.Written;
        }
        else
        {
            output.Write(data);
            hasher.Append(data);
            written += data.Length;
        }
    }

    /// <summary>Checks what was written against what the sender announced; false (with <see cref="Failure"/>) when they differ.</summary>
    public bool Finish(Digest expected, long length)
    {
        if (Failure is not null || output is null)
        {
            return false;
        }

        var actual = Digest.From(hasher);
        if (actual != expected || written != length)
        {
            Failure = (ErrorCode.DigestMismatch, $"'{Relative}' rebuilt as {written} bytes {actual}, sender announced {length} bytes {expected}");
            return false;
        }

        Result = new Entry(EntryKind.File, length, 0, 0, Executable, actual, null);
        return true;
    }

    /// <summary>
    /// Makes the content durable (when asked) without publishing it yet. A failure (a full disk) is recorded in
    /// <see cref="Failure"/>, not thrown: it runs in parallel with its batch, and one full disk must not crash the agent.
    /// </summary>
    public void Sync(bool durable)
    {
        try
        {
            output?.Flush(durable);
        }
        catch (IOException e)
        {
            Failure = (DiskFaults.CodeFor(e), $"'{Relative}': {e.Message}");
        }
    }

    /// <summary>Publishes the file: mode (on the open descriptor), then an atomic rename over the target; returns its stat.</summary>
    public StatInfo? Commit()
    {
        DirectoryHandle.SetMode(output!.Handle, Executable ? 0b111_101_101u : 0b110_100_100u, Relative);
        var stat = DirectoryHandle.StatOpen(output.Handle); // written and flushed: the inode and mtime the renamed file keeps
        output!.Dispose();
        basis?.Dispose();
        try
        {
            folder!.Rename(TempName!, Name!);
        }
        catch (IOException) when (folder!.Stat(Name!) is { Kind: EntryKind.Directory })
        {
            // rename(2) does not replace a folder with a file (EISDIR): only then is one in the way, and it goes.
            folder.Remove(Name!);
            folder.Rename(TempName!, Name!);
        }

        committed = true;
        return stat;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return; // the batch commit disposes before it answers, and again on its way out
        }

        disposed = true;
        output?.Dispose(); // what is still buffered is dropped with the temp: only a synced file is committed

        basis?.Dispose();
        if (folder is not null)
        {
            if (!committed && TempName is not null)
            {
                TreeOperations.TryRemove(folder, TempName);
            }

            folder.Dispose();
        }
    }
}

/// <summary>Hashes everything written through it (the delta applier's output) on its way to the file.</summary>
internal sealed class HashingWriteStream(Stream inner, XxHash128 hasher) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hasher.Append(buffer);
        inner.Write(buffer);
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
