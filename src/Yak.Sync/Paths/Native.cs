using System.Runtime.InteropServices;

namespace Yak.Sync.Paths;

/// <summary>
/// The *at(2) calls that let the agent act on names relative to a directory it holds open, never following a link.
/// Linux only (the agent runs in a Linux pod; the daemon uses <see cref="NoFollowFile"/> on Linux, paths elsewhere).
/// </summary>
internal static partial class Native
{
    public const int RdOnly = 0x0;
    public const int RdWr = 0x2;
    public const int Creat = 0x40;
    public const int Excl = 0x80;
    public const int NonBlock = 0x800;
    public const int CloExec = 0x80000;
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ELOOP = 40;
    public const int EDQUOT = 122;

    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    /// <summary>O_DIRECTORY and O_NOFOLLOW are the two flags whose values differ between x86 and arm.</summary>
    public static int Directory => Arm ? 0x4000 : 0x10000;

    public static int NoFollow => Arm ? 0x8000 : 0x20000;

    public static bool Supported => OperatingSystem.IsLinux();

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirfd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirfd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int dirfd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt(int olddirfd, string oldpath, int newdirfd, string newpath);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SymlinkAt(string target, int newdirfd, string linkpath);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint ReadlinkAt(int dirfd, string path, byte* buffer, nint size);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static unsafe partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static unsafe partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    public static partial nint FdOpenDir(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    public static partial nint ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint dir);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    public static unsafe partial int Fstatvfs(int fd, ulong* buffer);

    public static int Errno() => Marshal.GetLastPInvokeError();

    /// <summary>
    /// fstatvfs on a 64-bit Linux (the struct is 11 unsigned longs then 6 ints there, glibc and musl alike): bytes free
    /// for an unprivileged writer, bytes in all, and ST_RDONLY. Null elsewhere or on failure.
    /// </summary>
    public static unsafe (long Free, long Total, bool ReadOnly)? FileSystemSpace(int fd)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return null;
        }

        var buffer = stackalloc ulong[16];
        if (Fstatvfs(fd, buffer) != 0)
        {
            return null;
        }

        var fragment = buffer[1] != 0 ? buffer[1] : buffer[0];
        const ulong stReadOnly = 1;
        return ((long)Math.Min(buffer[4] * fragment, long.MaxValue), (long)Math.Min(buffer[2] * fragment, long.MaxValue), (buffer[9] & stReadOnly) != 0);
    }

    /// <summary>An IOException that keeps errno (HResult) so callers can tell a full disk from a refusal.</summary>
    public static IOException Error(string what, string name, int errno) =>
        errno == ENOENT
            ? new FileNotFoundException($"{what} '{PathRefusedException.Printable(name)}': {Marshal.GetPInvokeErrorMessage(errno)}") { HResult = errno }
            : new IOException($"{what} '{PathRefusedException.Printable(name)}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    /// <summary>statx relative to a directory fd, not following a final link; null when the name does not exist.</summary>
    public static unsafe Scanning.StatInfo? StatAt(int dirfd, string name, bool emptyPath = false)
    {
        var buffer = stackalloc byte[256];
        if (Statx(dirfd, name, emptyPath ? AtEmptyPath | AtSymlinkNoFollow : AtSymlinkNoFollow, 0x7FF, buffer) != 0)
        {
            var errno = Errno();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }

            throw Error("stat", name, errno);
        }

        return Scanning.FileStat.FromStatx(buffer);
    }
}
