using System.Runtime.InteropServices;

namespace Yak.Sync.Scanning;

/// <summary>lstat-style metadata of one path. Kind is null for things we do not sync (sockets, fifos, devices).</summary>
public readonly record struct StatInfo(EntryKind? Kind, long Size, long MtimeNs, ulong Inode, uint Mode)
{
    /// <summary>The device (major &lt;&lt; 32 | minor) on Linux, 0 elsewhere: with the inode, a file's identity.</summary>
    public ulong Device { get; init; }
}

/// <summary>
/// One syscall per path. On Linux it is statx(2) (its struct is the same on every architecture, unlike struct stat),
/// which gives the inode the digest cache needs; elsewhere it falls back to FileSystemInfo.
/// </summary>
public static partial class FileStat
{
    private const int AtFdcwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private static bool statxMissing = !OperatingSystem.IsLinux();

    /// <summary>Returns null when the path does not exist (or vanished).</summary>
    public static StatInfo? Lstat(string path)
    {
        if (!statxMissing)
        {
            try
            {
                return LstatLinux(path);
            }
            catch (EntryPointNotFoundException)
            {
                statxMissing = true;
            }
        }

        return LstatPortable(path);
    }

    private static unsafe StatInfo? LstatLinux(string path)
    {
        var buffer = stackalloc byte[256];
        if (Statx(AtFdcwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20)
            {
                return null; // ENOENT, ENOTDIR
            }

            throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        return FromStatx(buffer);
    }

    /// <summary>Decodes a struct statx (same layout on every Linux architecture).</summary>
    internal static unsafe StatInfo FromStatx(byte* buffer)
    {
        var mode = *(ushort*)(buffer + 28);
        var inode = *(ulong*)(buffer + 32);
        var size = *(long*)(buffer + 40);
        var mtimeSec = *(long*)(buffer + 112);
        var mtimeNsec = *(uint*)(buffer + 120);
        var device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        EntryKind? kind = (mode & 0xF000) switch
        {
            0x8000 => EntryKind.File,
            0x4000 => EntryKind.Directory,
            0xA000 => EntryKind.Symlink,
            _ => null,
        };
        return new StatInfo(kind, kind == EntryKind.File ? size : 0, (mtimeSec * 1_000_000_000) + mtimeNsec, inode, (uint)(mode & 0xFFF)) { Device = device };
    }

    private static StatInfo? LstatPortable(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists && info.LinkTarget is null)
            {
                return null;
            }
        }

        EntryKind kind = info.LinkTarget is not null ? EntryKind.Symlink : info is DirectoryInfo ? EntryKind.Directory : EntryKind.File;
        var mode = OperatingSystem.IsWindows() ? 0x1A4u : (uint)info.UnixFileMode;
        var size = info is FileInfo f && kind == EntryKind.File ? f.Length : 0;
        return new StatInfo(kind, size, (info.LastWriteTimeUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100, 0, mode);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
