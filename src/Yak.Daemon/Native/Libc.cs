using System.Runtime.InteropServices;

namespace Yak.Daemon.Native;

/// <summary>The few libc calls .NET does not expose.</summary>
internal static partial class Libc
{
    public const int SolSocketLinux = 1;
    public const int SoPeerCredLinux = 17;

    [LibraryImport("libc", SetLastError = true)]
    public static partial uint umask(uint mask);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getpeereid(nint socket, out uint uid, out uint gid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);
}
