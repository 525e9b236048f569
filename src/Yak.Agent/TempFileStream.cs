using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Yak.Sync.Paths;

namespace Yak.Agent;

/// <summary>
/// A new temp file written front to back: buffered, then pwrite(2) at an offset this stream keeps. FileStream asked
/// the kernel for its position (lseek) four times per file; a receiver writing 20,000 small files needs none.
/// </summary>
internal sealed class TempFileStream : Stream
{
    private const int BufferSize = 1 << 16;

    private readonly string name;
    private byte[]? buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int buffered;
    private long flushed;

    public TempFileStream(SafeFileHandle handle, string name)
    {
        Handle = handle;
        this.name = name;
    }

    public SafeFileHandle Handle { get; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => flushed + buffered;

    public override long Position
    {
        get => Length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        var pending = Buffer();
        if (buffered + data.Length <= pending.Length)
        {
            data.CopyTo(pending.AsSpan(buffered));
            buffered += data.Length;
            return;
        }

        Flush();
        if (data.Length >= pending.Length)
        {
            DirectoryHandle.WriteAt(Handle, data, flushed, name); // a large chunk goes straight through, no copy
            flushed += data.Length;
            return;
        }

        data.CopyTo(pending);
        buffered = data.Length;
    }

    /// <summary>Writes what is buffered: one pwrite for a file under 64 KiB.</summary>
    public override void Flush()
    {
        if (buffered == 0)
        {
            return;
        }

        DirectoryHandle.WriteAt(Handle, Buffer().AsSpan(0, buffered), flushed, name);
        flushed += buffered;
        buffered = 0;
    }

    /// <summary>Flushes, and with <paramref name="durable"/> fsyncs.</summary>
    public void Flush(bool durable)
    {
        Flush();
        if (durable)
        {
            DirectoryHandle.FlushToDisk(Handle, name);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Closes without writing what is still buffered: a temp that was not flushed is being abandoned.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Handle.Dispose();
            if (Interlocked.Exchange(ref buffer, null) is { } rented)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        base.Dispose(disposing);
    }

    private byte[] Buffer() => buffer ?? throw new ObjectDisposedException(nameof(TempFileStream));
}
