using System.Runtime.InteropServices;

namespace Yak.Daemon.Native;

/// <summary>The few libc calls .NET does not expose.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", SetLastError = true)]
    public static partial uint umask(uint mask);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);
}
