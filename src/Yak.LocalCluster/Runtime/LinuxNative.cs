using System.Runtime.InteropServices;

namespace Yak.LocalCluster.Runtime;

/// <summary>The few libc calls the node needs: signals, network namespaces, pseudo-terminals.</summary>
internal static partial class LinuxNative
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int CloneNewNet = 0x40000000;
    private const ulong TiocSWinSz = 0x5414;
    private const int FSetFd = 2;
    private const int FdCloexec = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Cols;
        public ushort XPixels;
        public ushort YPixels;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    public static bool IsRoot => OperatingSystem.IsLinux() && geteuid() == 0;

    public static bool Signal(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    /// <summary>Signals every process of process group <paramref name="pgid"/>.</summary>
    public static bool SignalGroup(int pgid, int signal) => pgid > 1 && kill(-pgid, signal) == 0;

    /// <summary>Moves the calling thread into the network namespace behind <paramref name="fd"/>.</summary>
    public static void EnterNetworkNamespace(SafeHandle fd)
    {
        if (setns((int)fd.DangerousGetHandle(), CloneNewNet) != 0)
        {
            throw new IOException($"setns(CLONE_NEWNET) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static (int Master, int Slave) OpenPty()
    {
        if (openpty(out var master, out var slave, 0, 0, 0) != 0)
        {
            throw new IOException($"openpty failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _ = fcntl(master, FSetFd, FdCloexec);
        _ = fcntl(slave, FSetFd, FdCloexec);
        return (master, slave);
    }

    public static void Resize(int fd, int width, int height)
    {
        var size = new WinSize { Cols = (ushort)Math.Clamp(width, 1, ushort.MaxValue), Rows = (ushort)Math.Clamp(height, 1, ushort.MaxValue) };
        _ = ioctl(fd, TiocSWinSz, ref size);
    }

    public static unsafe int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = read(fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Marshal.GetLastPInvokeError() != 4)
                {
                    return -1; // EIO once the slave side is gone, or any other error: end of stream.
                }
            }
        }
    }

    public static unsafe bool WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = write(fd, p + done, data.Length - done);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == 4)
                    {
                        continue;
                    }

                    return false;
                }

                done += (int)n;
            }
        }

        return true;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for <paramref name="fd"/> to be readable (or hung up).</summary>
    public static unsafe bool WaitReadable(int fd, int timeoutMs)
    {
        var entry = new PollFd { Fd = fd, Events = 1 };
        var n = poll(&entry, 1, timeoutMs);
        return n != 0;
    }

    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int openpty(out int master, out int slave, nint name, nint termp, nint winp);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, ref WinSize size);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int poll(PollFd* fds, nuint count, int timeout);
}
