using Yak.Protocol.Transport;

namespace Yak.Daemon.Ipc;

/// <summary>
/// Reads through to the connection while checking the Content-Length framing before the JSON-RPC layer
/// buffers anything: an oversized header block, a missing, duplicate or absurd Content-Length (a header
/// announcing 100 MB) ends the connection instead of making the daemon allocate or wait for it. It reads the
/// header block with <see cref="ContentLengthHeader"/>, the parser the JSON-RPC handler uses, so both agree on
/// where every message ends.
/// </summary>
internal sealed class FrameGuardStream(Stream inner, int maxHeaderBytes, int maxBodyBytes) : Stream
{
    private readonly byte[] header = new byte[maxHeaderBytes];
    private int headerLength;
    private long bodyRemaining;
    private System.IO.Pipelines.Pipe? diverted;
    private int pumping;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>
    /// Stops inspecting and hands the connection to a side channel: from here on, every byte read from the
    /// connection goes to the returned stream, and the JSON-RPC reader sees the end of the stream once the side
    /// channel is over. Call it before the response that announces the switch is sent, so nothing after it is
    /// read as JSON-RPC. The returned stream owns the connection.
    /// </summary>
    public Stream Divert()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        Volatile.Write(ref diverted, pipe);
        return new DivertedStream(pipe.Reader.AsStream(), inner);
    }

    public override int Read(Span<byte> buffer)
    {
        if (Volatile.Read(ref diverted) is not null)
        {
            return 0;
        }

        var read = inner.Read(buffer);
        Inspect(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref diverted) is { } early)
        {
            return await PumpAsync(early, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
        }

        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref diverted) is { } late)
        {
            return await PumpAsync(late, buffer[..read]).ConfigureAwait(false);
        }

        Inspect(buffer.Span[..read]);
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Volatile.Read(ref diverted) is null)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => Volatile.Read(ref diverted) is null ? inner.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>The (first) read after <see cref="Divert"/> copies the connection into the side channel until it ends; JSON-RPC then sees the end.</summary>
    private async ValueTask<int> PumpAsync(System.IO.Pipelines.Pipe pipe, ReadOnlyMemory<byte> already)
    {
        if (Interlocked.Exchange(ref pumping, 1) == 1)
        {
            return 0;
        }

        try
        {
            if (!already.IsEmpty)
            {
                await pipe.Writer.WriteAsync(already).ConfigureAwait(false);
            }

            while (true)
            {
                var memory = pipe.Writer.GetMemory(16 * 1024);
                var read = await inner.ReadAsync(memory).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                pipe.Writer.Advance(read);
                if ((await pipe.Writer.FlushAsync().ConfigureAwait(false)).IsCompleted)
                {
                    break;
                }
            }

            await pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The side channel: reads what the pump copied, writes straight to the connection, and closes it when disposed.</summary>
    private sealed class DivertedStream(Stream reading, Stream connection) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => reading.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => reading.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            reading.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => connection.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => connection.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            connection.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => connection.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => connection.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                connection.Dispose();
                reading.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private void Inspect(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (bodyRemaining > 0)
            {
                var take = (int)Math.Min(bodyRemaining, data.Length);
                bodyRemaining -= take;
                data = data[take..];
                continue;
            }

            var b = data[0];
            data = data[1..];
            if (headerLength == header.Length)
            {
                throw new InvalidDataException($"Header block longer than {header.Length} bytes; closing the connection.");
            }

            header[headerLength++] = b;
            if (headerLength >= 4 && header.AsSpan(headerLength - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                bodyRemaining = ContentLengthHeader.Parse(header.AsSpan(0, headerLength - 4), maxBodyBytes);
                headerLength = 0;
            }
        }
    }
}
