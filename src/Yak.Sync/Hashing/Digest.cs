using System.Buffers.Binary;
using System.IO.Hashing;

namespace Yak.Sync.Hashing;

/// <summary>The 128-bit content digest of a file (XxHash128). Equality is value equality.</summary>
public readonly record struct Digest(ulong High, ulong Low)
{
    public const int Size = 16;

    public static Digest Empty { get; } = Of([]);

    public bool IsZero => High == 0 && Low == 0;

    public static Digest Of(ReadOnlySpan<byte> data) => FromHash128(XxHash128.HashToUInt128(data));

    public static Digest FromHash128(UInt128 value) => new((ulong)(value >> 64), (ulong)value);

    public static Digest From(XxHash128 hasher) => FromHash128(hasher.GetCurrentHashAsUInt128());

    public static Digest Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, High);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Low);
    }

    /// <summary>
    /// Hashes a whole regular file by streaming it; never holds it in memory. A link or FIFO swapped in for the file
    /// is refused (IOException), never followed or waited on.
    /// </summary>
    public static Digest OfFile(string path)
    {
        using var stream = Paths.NoFollowFile.OpenRead(path).Stream;
        return OfStream(stream);
    }

    public static Digest OfStream(Stream stream)
    {
        var hasher = new XxHash128();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
            }

            return From(hasher);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override string ToString() => $"{High:x16}{Low:x16}";
}
