using System.Runtime.InteropServices;
using Yak.Sync.Hashing;

namespace Yak.Sync.Scanning;

public enum EntryKind : byte
{
    File = 1,
    Directory = 2,
    Symlink = 3,
}

/// <summary>
/// What the scanner saw at one relative path. <see cref="MtimeNs"/> and <see cref="Inode"/> only matter locally (they
/// key the digest cache); the replica compares kind, size, executable bit, digest and link target.
/// Kind and the executable bit ride in the top bits of the size (no file is 2 EiB): 48 bytes, not 56, in every map
/// slot — two maps per session, one slot per watched file.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct Entry
{
    /// <summary>The largest size an entry holds (2^60 - 1 bytes): the bits above it carry kind and executable bit.</summary>
    public const long MaxSize = (1L << 60) - 1;

    private const int KindShift = 61;
    private const long ExecutableBit = 1L << 60;

    private readonly long sizeKindExecutable;

    public Entry(EntryKind kind, long size, long mtimeNs, ulong inode, bool executable, Digest digest, string? target)
    {
        sizeKindExecutable = Pack(kind, size, executable);
        MtimeNs = mtimeNs;
        Inode = inode;
        Digest = digest;
        Target = target;
    }

    public EntryKind Kind
    {
        get => (EntryKind)(sizeKindExecutable >>> KindShift);
        init => sizeKindExecutable = Pack(value, Size, Executable);
    }

    public long Size
    {
        get => sizeKindExecutable & MaxSize;
        init => sizeKindExecutable = Pack(Kind, value, Executable);
    }

    public bool Executable
    {
        get => (sizeKindExecutable & ExecutableBit) != 0;
        init => sizeKindExecutable = Pack(Kind, Size, value);
    }

    public long MtimeNs { get; init; }

    public ulong Inode { get; init; }

    public Digest Digest { get; init; }

    public string? Target { get; init; }

    public static Entry Directory() => new(EntryKind.Directory, 0, 0, 0, false, default, null);

    /// <summary>True when the replica needs no change to go from <paramref name="other"/> to this entry.</summary>
    public bool SameContent(Entry other) => Kind == other.Kind && Kind switch
    {
        EntryKind.File => Size == other.Size && Digest == other.Digest && Executable == other.Executable,
        EntryKind.Symlink => string.Equals(Target, other.Target, StringComparison.Ordinal),
        _ => true,
    };

    private static long Pack(EntryKind kind, long size, bool executable)
    {
        // A kind outside 0..7 or a size outside 0..MaxSize would spill into the other fields: refused, never truncated.
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)kind, 7u, nameof(kind));
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        return ((long)kind << KindShift) | (executable ? ExecutableBit : 0) | size;
    }
}
