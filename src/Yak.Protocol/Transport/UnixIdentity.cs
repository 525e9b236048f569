using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Yak.Protocol.Transport;

/// <summary>Who owns a path and who is on the other end of a Unix socket, as the kernel tells it (never the peer).</summary>
public static partial class UnixIdentity
{
    private const int SolSocketLinux = 1;
    private const int SoPeerCredLinux = 17;
    private const int EAcces = 13; // the same on Linux and macOS

    /// <summary>The peer's effective uid, or null when the platform cannot tell.</summary>
    public static uint? GetPeerUid(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            Span<byte> ucred = stackalloc byte[12];
            var length = socket.GetRawSocketOption(SolSocketLinux, SoPeerCredLinux, ucred);
            return length >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..8]) : null;
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            return getpeereid(socket.Handle, out var uid, out _) == 0 ? uid : null;
        }

        return null;
    }

    /// <summary>
    /// The owner, permission bits and kind of <paramref name="path"/> itself (a link is reported as a link, not
    /// followed); null when it does not exist. Throws <see cref="UnauthorizedAccessException"/> when a folder on the
    /// way may not be searched, <see cref="IOException"/> on other failures.
    /// </summary>
    public static PathIdentity? Examine(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            return ExamineLinux(path);
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            return ExamineWithRuntimeShim(path);
        }

        throw new PlatformNotSupportedException("File ownership is only examined on Linux and macOS.");
    }

    private static PathIdentity? ExamineLinux(string path)
    {
        // statx has one layout on every architecture, unlike struct stat.
        const int AtFdCwd = -100;
        const int AtSymlinkNoFollow = 0x100;
        const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8;
        Span<byte> buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return Failed(path, Marshal.GetLastPInvokeError(), enoent: 2);
        }

        // struct statx { u32 stx_mask; u32 stx_blksize; u64 stx_attributes; u32 stx_nlink; u32 stx_uid; u32 stx_gid; u16 stx_mode; ... }
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..24]);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..30]);
        return new PathIdentity(uid, (UnixFileMode)(mode & 0xFFF), KindOf(mode));
    }

    private static PathIdentity? ExamineWithRuntimeShim(string path)
    {
        // The runtime's own portable lstat: struct FileStatus { int32 Flags; int32 Mode; uint32 Uid; uint32 Gid; int64 Size; ... }.
        Span<byte> buffer = stackalloc byte[256];
        if (SystemNative_LStat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return Failed(path, Marshal.GetLastPInvokeError(), enoent: 2);
        }

        var mode = BinaryPrimitives.ReadInt32LittleEndian(buffer[4..8]);
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer[8..12]);
        return new PathIdentity(uid, (UnixFileMode)(mode & 0xFFF), KindOf(mode));
    }

    private static PathIdentity? Failed(string path, int errno, int enoent) => errno switch
    {
        _ when errno == enoent => null,
        EAcces => throw new UnauthorizedAccessException($"Permission denied examining {path}."),
        _ => throw new IOException($"Cannot examine {path} (errno {errno})."),
    };

    private static PathKind KindOf(int mode) => (mode & 0xF000) switch
    {
        0x4000 => PathKind.Directory,
        0xA000 => PathKind.SymbolicLink,
        0x8000 => PathKind.File,
        0xC000 => PathKind.Socket,
        _ => PathKind.Other,
    };

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte statxbuf);

    [LibraryImport("libSystem.Native", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SystemNative_LStat(string path, ref byte output);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getpeereid(nint socket, out uint uid, out uint gid);
}

/// <summary>What <see cref="UnixIdentity.Examine"/> found: owner uid, permission bits (incl. setuid/sticky) and kind.</summary>
public sealed record PathIdentity(uint OwnerUid, UnixFileMode Mode, PathKind Kind)
{
    /// <summary>The permission bits as ls and chmod write them, e.g. <c>0755</c>.</summary>
    public string OctalMode => "0" + Convert.ToString((int)Mode & 0x1FF, 8).PadLeft(3, '0');
}

public enum PathKind
{
    File,
    Directory,
    SymbolicLink,
    Socket,
    Other,
}
