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
/// Auto layout: the two one-byte fields pack together instead of each padding to 8 bytes (56 bytes, not 64, in every
/// map slot — two maps per session, one slot per watched file).
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct Entry(EntryKind Kind, long Size, long MtimeNs, ulong Inode, bool Executable, Digest Digest, string? Target)
{
    public static Entry Directory() => new(EntryKind.Directory, 0, 0, 0, false, default, null);

    /// <summary>True when the replica needs no change to go from <paramref name="other"/> to this entry.</summary>
    public bool SameContent(Entry other) => Kind == other.Kind && Kind switch
    {
        EntryKind.File => Size == other.Size && Digest == other.Digest && Executable == other.Executable,
        EntryKind.Symlink => string.Equals(Target, other.Target, StringComparison.Ordinal),
        _ => true,
    };
}
