namespace Yak.Sync.Tests;

/// <summary>Passes writes through until <c>limit</c> bytes, then holds further writes until <see cref="Release"/>.</summary>
internal sealed class GatedStream(Stream inner, long limit) : Stream
{
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long written;

    public void Release() => released.TrySetResult();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Gate(buffer.Length);
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Gate(buffer.Length);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush()
    {
        Gate(0);
        inner.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Gate(0);
        return inner.FlushAsync(cancellationToken);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            released.TrySetResult();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Gate(int count)
    {
        if (Interlocked.Add(ref written, count) > limit)
        {
            released.Task.Wait(TimeSpan.FromSeconds(30));
        }
    }
}
