using System.Buffers.Binary;
using System.IO.Hashing;

namespace Yak.Sync.Delta;

/// <summary>The rsync signature of one version of a file: per block a weak rolling checksum and a strong XxHash3 (64-bit).</summary>
public sealed class Signature
{
    private const uint Magic = 0x5349_4B59; // "YKIS"

    public Signature(int blockSize, long length, uint[] weak, ulong[] strong)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        if (weak.Length != strong.Length || weak.Length != BlockCount(length, blockSize))
        {
            throw new ArgumentException("block count does not match length and block size");
        }

        BlockSize = blockSize;
        Length = length;
        Weak = weak;
        Strong = strong;
    }

    public int BlockSize { get; }

    public long Length { get; }

    public uint[] Weak { get; }

    public ulong[] Strong { get; }

    public int Count => Weak.Length;

    public int LengthOf(int block) => (int)Math.Min(BlockSize, Length - ((long)block * BlockSize));

    public static int BlockCount(long length, int blockSize) => checked((int)((length + blockSize - 1) / blockSize));

    public static ulong StrongHash(ReadOnlySpan<byte> block) => XxHash3.HashToUInt64(block);

    public static Signature Of(ReadOnlySpan<byte> data, int? blockSize = null)
    {
        var builder = new SignatureBuilder(blockSize ?? BlockSizing.For(data.Length));
        builder.Append(data);
        return builder.Build();
    }

    public int SerializedSize => 4 + 4 + 8 + 4 + (Count * 12);

    public byte[] Serialize()
    {
        var bytes = new byte[SerializedSize];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], Count);
        var offset = 20;
        for (var i = 0; i < Count; i++, offset += 12)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], Weak[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 4)..], Strong[i]);
        }

        return bytes;
    }

    public static Signature Deserialize(ReadOnlySpan<byte> span)
    {
        if (span.Length < 20 || BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic)
        {
            throw new InvalidDataException("not a signature");
        }

        var blockSize = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        var length = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
        if (blockSize < 1 || length < 0 || count < 0 || span.Length != 20 + ((long)count * 12) || count != BlockCount(length, blockSize))
        {
            throw new InvalidDataException("corrupt signature");
        }

        var weak = new uint[count];
        var strong = new ulong[count];
        var offset = 20;
        for (var i = 0; i < count; i++, offset += 12)
        {
            weak[i] = BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
            strong[i] = BinaryPrimitives.ReadUInt64LittleEndian(span[(offset + 4)..]);
        }

        return new Signature(blockSize, length, weak, strong);
    }
}

/// <summary>Builds a signature from content that arrives in pieces of any size (one pass while the file is sent).</summary>
public sealed class SignatureBuilder(int blockSize)
{
    private readonly List<uint> weak = [];
    private readonly List<ulong> strong = [];
    private readonly byte[] partial = new byte[blockSize];
    private int partialLength;
    private long length;

    public int BlockSize => blockSize;

    public void Append(ReadOnlySpan<byte> data)
    {
        length += data.Length;
        if (partialLength > 0)
        {
            var take = Math.Min(blockSize - partialLength, data.Length);
            data[..take].CopyTo(partial.AsSpan(partialLength));
            partialLength += take;
            data = data[take..];
            if (partialLength < blockSize)
            {
                return;
            }

            AddBlock(partial);
            partialLength = 0;
        }

        while (data.Length >= blockSize)
        {
            AddBlock(data[..blockSize]);
            data = data[blockSize..];
        }

        data.CopyTo(partial);
        partialLength = data.Length;
    }

    public Signature Build()
    {
        if (partialLength > 0)
        {
            AddBlock(partial.AsSpan(0, partialLength));
            partialLength = 0;
        }

        return new Signature(blockSize, length, [.. weak], [.. strong]);
    }

    private void AddBlock(ReadOnlySpan<byte> block)
    {
        weak.Add(RollingChecksum.Compute(block));
        strong.Add(Signature.StrongHash(block));
    }
}
