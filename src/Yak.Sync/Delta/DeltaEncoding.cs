using System.Buffers;

namespace Yak.Sync.Delta;

/// <summary>
/// Serialises delta ops into self-contained chunks (no op straddles two chunks), merging runs of consecutive block
/// copies into one op. Op stream: <c>0x01 first count</c> = copy basis blocks, <c>0x02 length bytes</c> = literal.
/// </summary>
public sealed class DeltaEncoder(Action<ReadOnlyMemory<byte>> onChunk) : IDeltaSink
{
    public const byte CopyOp = 0x01;
    public const byte LiteralOp = 0x02;
    public const int ChunkTarget = 128 * 1024;

    private readonly ArrayBufferWriter<byte> buffer = new(ChunkTarget + DeltaBuilder.MaxLiteral + 32);
    private int pendingFirst = -1;
    private int pendingCount;

    public long LiteralBytes { get; private set; }

    public long CopiedBlocks { get; private set; }

    public void Copy(int firstBlock, int blockCount)
    {
        CopiedBlocks += blockCount;
        if (pendingFirst >= 0 && pendingFirst + pendingCount == firstBlock)
        {
            pendingCount += blockCount;
            return;
        }

        FlushCopy();
        pendingFirst = firstBlock;
        pendingCount = blockCount;
    }

    public void Literal(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        FlushCopy();
        LiteralBytes += data.Length;
        while (!data.IsEmpty)
        {
            var piece = data[..Math.Min(data.Length, DeltaBuilder.MaxLiteral)];
            var span = buffer.GetSpan(1 + VarInt.MaxLength + piece.Length);
            span[0] = LiteralOp;
            var n = 1 + VarInt.Write(span[1..], (ulong)piece.Length);
            piece.CopyTo(span[n..]);
            buffer.Advance(n + piece.Length);
            data = data[piece.Length..];
            MaybeEmit();
        }
    }

    /// <summary>Emits whatever is buffered. Call once at the end.</summary>
    public void Complete()
    {
        FlushCopy();
        if (buffer.WrittenCount > 0)
        {
            onChunk(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
        }
    }

    private void FlushCopy()
    {
        if (pendingFirst < 0)
        {
            return;
        }

        var span = buffer.GetSpan(1 + (2 * VarInt.MaxLength));
        span[0] = CopyOp;
        var n = 1 + VarInt.Write(span[1..], (ulong)pendingFirst);
        n += VarInt.Write(span[n..], (ulong)pendingCount);
        buffer.Advance(n);
        pendingFirst = -1;
        pendingCount = 0;
        MaybeEmit();
    }

    private void MaybeEmit()
    {
        if (buffer.WrittenCount >= ChunkTarget)
        {
            onChunk(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
        }
    }
}

/// <summary>Rebuilds the new content from the basis file and the op chunks, writing it to <paramref name="output"/>.</summary>
public sealed class DeltaApplier(Stream basis, int blockSize, Stream output)
{
    private readonly long basisLength = basis.Length;
    private byte[]? copyBuffer;

    public long Written { get; private set; }

    public void Apply(ReadOnlySpan<byte> chunk)
    {
        var offset = 0;
        while (offset < chunk.Length)
        {
            var op = chunk[offset++];
            switch (op)
            {
                case DeltaEncoder.CopyOp:
                    var first = VarInt.Read(chunk, ref offset);
                    var count = VarInt.Read(chunk, ref offset);
                    CopyBlocks(first, count);
                    break;
                case DeltaEncoder.LiteralOp:
                    var length = VarInt.Read(chunk, ref offset);
                    if (length > (ulong)(chunk.Length - offset))
                    {
                        throw new InvalidDataException("literal runs past the end of its chunk");
                    }

                    output.Write(chunk.Slice(offset, (int)length));
                    Written += (long)length;
                    offset += (int)length;
                    break;
                default:
                    throw new InvalidDataException($"unknown delta op 0x{op:x2}");
            }
        }
    }

    private void CopyBlocks(ulong first, ulong count)
    {
        var start = checked((long)first * blockSize);
        if (count == 0 || start >= basisLength || first > int.MaxValue || count > int.MaxValue)
        {
            throw new InvalidDataException("copy op outside the basis");
        }

        var length = Math.Min(checked((long)count * blockSize), basisLength - start);
        copyBuffer ??= new byte[1 << 17];
        basis.Seek(start, SeekOrigin.Begin);
        while (length > 0)
        {
            var read = basis.Read(copyBuffer, 0, (int)Math.Min(copyBuffer.Length, length));
            if (read == 0)
            {
                throw new InvalidDataException("basis shorter than expected");
            }

            output.Write(copyBuffer, 0, read);
            Written += read;
            length -= read;
        }
    }
}
