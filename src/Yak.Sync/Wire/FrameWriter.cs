using System.Buffers.Binary;

namespace Yak.Sync.Wire;

/// <summary>
/// Writes length-prefixed frames: <c>u32 length | u8 type | u32 request id | payload</c> (little-endian; length counts
/// type, id and payload). Thread-safe; frames are buffered and go out on <see cref="FlushAsync"/> so many small
/// requests share one write.
/// </summary>
/// <param name="ownsStream">Dispose <paramref name="stream"/> with the writer (a compressor layered on the link).</param>
public sealed class FrameWriter(Stream stream, bool ownsStream = false) : IAsyncDisposable
{
    /// <summary>How long disposing waits for a write in progress before leaving the stream to the finalizer.</summary>
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(5);

    private readonly BufferedStream output = new(stream, 1 << 16);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly byte[] header = new byte[ProtocolInfo.HeaderSize];

    public long BytesWritten { get; private set; }

    public async ValueTask WriteAsync(MessageType type, uint requestId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        await WriteAsync(type, requestId, payload, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one frame whose payload is <paramref name="head"/> followed by <paramref name="tail"/> (no copy).</summary>
    public async ValueTask WriteAsync(MessageType type, uint requestId, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> tail, CancellationToken cancellationToken = default)
    {
        var length = 1 + 4 + head.Length + tail.Length;
        if (length > ProtocolInfo.MaxFrame)
        {
            throw new InvalidOperationException($"frame of {length} bytes exceeds the {ProtocolInfo.MaxFrame} limit");
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(header, length);
            header[4] = (byte)type;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(5), requestId);
            await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            if (!head.IsEmpty)
            {
                await output.WriteAsync(head, cancellationToken).ConfigureAwait(false);
            }

            if (!tail.IsEmpty)
            {
                await output.WriteAsync(tail, cancellationToken).ConfigureAwait(false);
            }

            BytesWritten += 4 + length;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Synchronous twin of <see cref="WriteAsync(MessageType, uint, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, CancellationToken)"/>, for the CPU-bound sender loop.</summary>
    public void Write(MessageType type, uint requestId, ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail = default)
    {
        var length = 1 + 4 + head.Length + tail.Length;
        if (length > ProtocolInfo.MaxFrame)
        {
            throw new InvalidOperationException($"frame of {length} bytes exceeds the {ProtocolInfo.MaxFrame} limit");
        }

        gate.Wait();
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(header, length);
            header[4] = (byte)type;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(5), requestId);
            output.Write(header);
            output.Write(head);
            output.Write(tail);
            BytesWritten += 4 + length;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A sender may still be inside a write (the link under it was closed, so it is about to fail): the owned
        // stream goes only once it is out, never from under it.
        if (!ownsStream)
        {
            gate.Dispose();
        }
        else if (await gate.WaitAsync(DisposeWait).ConfigureAwait(false))
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            gate.Dispose(); // a later write fails at once (ObjectDisposedException), as without an owned stream
        }
    }
}
