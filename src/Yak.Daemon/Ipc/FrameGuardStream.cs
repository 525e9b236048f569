using System.Buffers.Text;
using System.Text;

namespace Yak.Daemon.Ipc;

/// <summary>
/// Reads through to the connection while checking the Content-Length framing before the JSON-RPC layer
/// buffers anything: an oversized header block, a missing or absurd Content-Length (a header announcing
/// 100 MB) ends the connection instead of making the daemon allocate or wait for it.
/// </summary>
internal sealed class FrameGuardStream(Stream inner, int maxHeaderBytes, int maxBodyBytes) : Stream
{
    private readonly byte[] header = new byte[maxHeaderBytes];
    private int headerLength;
    private long bodyRemaining;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Inspect(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
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
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

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
                bodyRemaining = ParseContentLength(header.AsSpan(0, headerLength - 4));
                headerLength = 0;
            }
        }
    }

    private long ParseContentLength(ReadOnlySpan<byte> headers)
    {
        long? length = null;
        foreach (var range in headers.Split("\r\n"u8))
        {
            var line = headers[range];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new InvalidDataException($"Malformed header line '{Encoding.ASCII.GetString(line)}'.");
            }

            if (!Ascii.EqualsIgnoreCase(line[..colon].Trim((byte)' '), "Content-Length"u8))
            {
                continue;
            }

            if (!Utf8Parser.TryParse(line[(colon + 1)..].Trim((byte)' '), out long value, out var consumed) ||
                consumed != line[(colon + 1)..].Trim((byte)' ').Length || value < 0)
            {
                throw new InvalidDataException("Content-Length is not a non-negative number.");
            }

            length = value;
        }

        if (length is null)
        {
            throw new InvalidDataException("Message without a Content-Length header.");
        }

        if (length > maxBodyBytes)
        {
            throw new InvalidDataException($"Message of {length} bytes exceeds the {maxBodyBytes}-byte limit.");
        }

        return length.Value;
    }
}
