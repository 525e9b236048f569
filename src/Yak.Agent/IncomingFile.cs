using System.IO.Hashing;
using Yak.Sync.Delta;
using Yak.Sync.Hashing;
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
    private readonly FileStream? output;
    private readonly FileStream? basis;
    private readonly DeltaApplier? applier;
    private long written;

    private IncomingFile(uint id, string relative, string? full, string? temp, bool executable, FileStream? output, FileStream? basis, int blockSize)
    {
        Id = id;
        Relative = relative;
        FullPath = full;
        TempPath = temp;
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

    public string? FullPath { get; }

    public string? TempPath { get; }

    public bool Executable { get; }

    /// <summary>Set when the request is refused before any data arrives; chunks are then skipped.</summary>
    public (ErrorCode Code, string Message)? Failure { get; private set; }

    public Entry? Result { get; private set; }

    public static IncomingFile Failed(uint id, string relative, ErrorCode code, string message) =>
        new(id, relative, null, null, false, null, null, 0) { Failure = (code, message) };

    public static IncomingFile Whole(uint id, string relative, string full, string folder, bool executable)
    {
        var temp = TreeOperations.TempNameIn(folder);
        return new IncomingFile(id, relative, full, temp, executable, Create(temp), null, 0);
    }

    public static IncomingFile Delta(uint id, string relative, string full, string folder, bool executable, int blockSize)
    {
        var basis = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0);
        var temp = TreeOperations.TempNameIn(folder);
        try
        {
            return new IncomingFile(id, relative, full, temp, executable, Create(temp), basis, blockSize);
        }
        catch
        {
            basis.Dispose();
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

    /// <summary>Makes the content durable (when asked) without publishing it yet.</summary>
    public void Sync(bool durable)
    {
        output?.Flush(flushToDisk: durable);
    }

    /// <summary>Publishes the file: mode, then an atomic rename over the target.</summary>
    public void Commit()
    {
        output!.Dispose();
        basis?.Dispose();
        var mode = Executable ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(TempPath!, mode);
        }
        if (FileStat.Lstat(FullPath!) is { Kind: EntryKind.Directory })
        {
            Directory.Delete(FullPath!, recursive: true);
        }

        File.Move(TempPath!, FullPath!, overwrite: true);
    }

    public void Dispose()
    {
        output?.Dispose();
        basis?.Dispose();
        if (TempPath is not null && File.Exists(TempPath))
        {
            try
            {
                File.Delete(TempPath);
            }
            catch (IOException)
            {
            }
        }
    }

    private static FileStream Create(string temp) =>
        new(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
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
