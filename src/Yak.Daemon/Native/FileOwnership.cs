using System.Runtime.InteropServices;

namespace Yak.Daemon.Native;

/// <summary>The owner of a path, via stat(2); .NET's file APIs expose modes but not owners.</summary>
internal static partial class FileOwnership
{
    public static uint? GetOwnerUid(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // statx is stable across architectures, unlike struct stat's layout.
        Span<byte> buffer = stackalloc byte[256];
        const int AtFdCwd = -100;
        const uint StatxUid = 0x8;
        if (statx(AtFdCwd, path, 0, StatxUid, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new IOException($"stat {path} failed with errno {Marshal.GetLastPInvokeError()}");
        }

        // struct statx { u32 stx_mask; u32 stx_blksize; u64 stx_attributes; u32 stx_nlink; u32 stx_uid; ... }
        return BitConverter.ToUInt32(buffer[20..24]);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte statxbuf);
}
