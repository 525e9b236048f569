using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Yak.Sync.Delta;
using Yak.Sync.Hashing;

namespace Yak.Sync.Wire;

/// <summary>Builds a frame payload: varints, fixed integers, UTF-8 strings (length-prefixed), digests.</summary>
public sealed class PayloadWriter
{
    private readonly ArrayBufferWriter<byte> buffer = new(256);

    public ReadOnlyMemory<byte> Written => buffer.WrittenMemory;

    public int Length => buffer.WrittenCount;

    public PayloadWriter Reset()
    {
        buffer.ResetWrittenCount();
        return this;
    }

    public PayloadWriter Byte(byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
        return this;
    }

    public PayloadWriter UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.GetSpan(2), value);
        buffer.Advance(2);
        return this;
    }

    public PayloadWriter UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
        return this;
    }

    public PayloadWriter VarUInt(ulong value)
    {
        buffer.Advance(VarInt.Write(buffer.GetSpan(VarInt.MaxLength), value));
        return this;
    }

    public PayloadWriter VarLong(long value) => VarUInt((ulong)value);

    public PayloadWriter String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        VarUInt((ulong)count);
        buffer.Advance(Encoding.UTF8.GetBytes(value, buffer.GetSpan(count)));
        return this;
    }

    public PayloadWriter Digest(Digest value)
    {
        value.Write(buffer.GetSpan(Hashing.Digest.Size));
        buffer.Advance(Hashing.Digest.Size);
        return this;
    }

    public PayloadWriter Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(buffer.GetSpan(value.Length));
        buffer.Advance(value.Length);
        return this;
    }
}

/// <summary>Reads a payload written by <see cref="PayloadWriter"/>; any overrun is an <see cref="InvalidDataException"/>.</summary>
public ref struct PayloadReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;
    private int offset;

    public readonly bool AtEnd => offset >= data.Length;

    public readonly ReadOnlySpan<byte> Rest => data[offset..];

    public byte Byte() => Take(1)[0];

    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong VarUInt() => VarInt.Read(data, ref offset);

    public long VarLong() => (long)VarUInt();

    public string String()
    {
        var length = VarUInt();
        if (length > (ulong)(data.Length - offset))
        {
            throw new InvalidDataException("string runs past the end of the frame");
        }

        return Encoding.UTF8.GetString(Take((int)length));
    }

    public Digest Digest() => Hashing.Digest.Read(Take(Hashing.Digest.Size));

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > data.Length - offset)
        {
            throw new InvalidDataException("frame payload too short");
        }

        var slice = data.Slice(offset, count);
        offset += count;
        return slice;
    }
}
