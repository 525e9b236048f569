using Microsoft.Win32.SafeHandles;

namespace Yak.Sync.Paths;

/// <summary>
/// A file opened for reading, read with pread(2) at an offset this stream keeps. A FileStream made over a descriptor
/// asks the kernel whether it can seek and where it stands (three lseeks) and fstats it once more: per file, in a first
/// sync of 20,000 files, 80,000 system calls whose answers the opener's own fstat already had (strace -f of yakd).
/// </summary>
public sealed class ReadOnlyFile : Stream
{
    private long position;

    /// <param name="handle">Taken over: disposed with this stream.</param>
    /// <param name="name">For error messages.</param>
    public ReadOnlyFile(SafeFileHandle handle, string name)
    {
        SafeFileHandle = handle;
        Name = name;
    }

    public SafeFileHandle SafeFileHandle { get; }

    public string Name { get; }

    public override bool CanRead => !SafeFileHandle.IsClosed;

    public override bool CanSeek => !SafeFileHandle.IsClosed;

    public override bool CanWrite => false;

    /// <summary>The file's current length (an fstat): rarely asked, and it may have changed since the open.</summary>
    public override long Length => RandomAccess.GetLength(SafeFileHandle);

    public override long Position
    {
        get => position;
        set => position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        ObjectDisposedException.ThrowIf(SafeFileHandle.IsClosed, this);
        var read = Native.Supported
            ? DirectoryHandle.ReadAt(SafeFileHandle, buffer, position, Name)
            : RandomAccess.Read(SafeFileHandle, buffer, position);
        position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            SafeFileHandle.Dispose();
        }

        base.Dispose(disposing);
    }
}
