using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Yak.Testing;

namespace Yak.Cli.Tests.Terminal;

/// <summary>
/// A program run on a pseudo-terminal the test opens (openpty), as a user runs it in a terminal window: the pty is
/// its controlling terminal (setsid -c), so Ctrl+C typed here is a SIGINT from the line discipline, a resize here is
/// a SIGWINCH there, and the terminal modes it sets can be read back. Everything it prints is kept as the screen.
/// </summary>
internal sealed partial class PtyProcess : IAsyncDisposable
{
    private const ulong TiocSWinSz = 0x5414;
    private const uint Icanon = 0x2;
    private const uint Echo = 0x8;
    private const int LflagOffset = 12; // struct termios: c_iflag, c_oflag, c_cflag, c_lflag (tcflag_t = uint32 on Linux)
    private const short PollIn = 1;
    private const int FSetFd = 2;
    private const int FdCloexec = 1;

    private readonly int master;
    private readonly int slave;
    private readonly Process process;
    private readonly StringBuilder screen = new();
    private readonly Thread reader;
    private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Text, TaskCompletionSource Seen)> waiters = [];
    private volatile bool stopping;

    private PtyProcess(int master, int slave, Process process)
    {
        this.master = master;
        this.slave = slave;
        this.process = process;
        reader = new Thread(ReadLoop) { IsBackground = true, Name = "pty reader" };
        reader.Start();
    }

    public int Pid => process.Id;

    /// <summary>All output so far, carriage returns removed.</summary>
    public string Screen
    {
        get
        {
            lock (screen)
            {
                return screen.ToString().Replace("\r", string.Empty, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Whether the terminal echoes and reads lines (cooked), as opposed to raw mode.</summary>
    public (bool Echo, bool Canonical) Modes
    {
        get
        {
            // TCGETS on a pty master reads the terminal's (the slave's) settings.
            var termios = new byte[256];
            Assert.Equal(0, TcGetAttr(master, termios));
            var lflag = BitConverter.ToUInt32(termios, LflagOffset);
            return ((lflag & Echo) != 0, (lflag & Icanon) != 0);
        }
    }

    public static PtyProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, int columns = 80, int rows = 24)
    {
        var size = new WinSize { Rows = (ushort)rows, Cols = (ushort)columns };
        if (OpenPty(out var master, out var slave, 0, 0, ref size) != 0)
        {
            throw new IOException($"openpty failed: errno {Marshal.GetLastPInvokeError()}");
        }

        // Only the program gets the terminal, by name: neither end leaks into it (or into other children) as a number.
        _ = Fcntl(master, FSetFd, FdCloexec);
        _ = Fcntl(slave, FSetFd, FdCloexec);
        var slavePath = File.ResolveLinkTarget($"/proc/self/fd/{slave}", false)?.FullName ?? throw new IOException("no pty name");

        // sh opens the terminal by name; setsid (no fork: the child of Process.Start is not a group leader) makes it
        // the controlling terminal and execs the program, so the pid and the exit code are the program's own.
        var info = ProcessRunner.StartInfo("sh", ["-c", "p=$1; shift; exec setsid -c \"$@\" <\"$p\" >\"$p\" 2>&1", "sh", slavePath, fileName, .. arguments], environment);
        info.Environment["TERM"] = "xterm";
        var process = Process.Start(info) ?? throw new IOException($"could not start {fileName}");
        process.StandardInput.Close();
        return new PtyProcess(master, slave, process);
    }

    /// <summary>Types <paramref name="text"/> (control characters included: "\u0003" is Ctrl+C).</summary>
    public void Type(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(bytes.Length, (int)Write(master, bytes, bytes.Length));
    }

    /// <summary>Resizes the window: the kernel sends SIGWINCH to the program in the foreground.</summary>
    public void Resize(int columns, int rows)
    {
        var size = new WinSize { Rows = (ushort)rows, Cols = (ushort)columns };
        Assert.Equal(0, Ioctl(master, TiocSWinSz, ref size));
    }

    public void Signal(PosixSignal signal) => Assert.Equal(0, Kill(process.Id, signal == PosixSignal.SIGTERM ? 15 : 2));

    /// <summary>Waits (on the output, not on a clock) until the screen shows <paramref name="text"/>.</summary>
    public async Task WaitForTextAsync(string text)
    {
        TaskCompletionSource seen;
        lock (screen)
        {
            if (Screen.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((text, seen));
        }

        try
        {
            await seen.Task.DefaultTimeout();
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"'{text}' never showed; the screen:\n{Screen}");
        }
    }

    /// <summary>Waits for the program to end and its last output to be read; its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        try
        {
            await process.WaitForExitAsync().DefaultTimeout();
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the program did not end; the screen:\n{Screen}");
        }

        stopping = true;
        await drained.Task.DefaultTimeout();
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().DefaultTimeout();
        }

        stopping = true;
        await drained.Task.DefaultTimeout();
        _ = Close(master);
        _ = Close(slave);
        process.Dispose();
    }

    private void ReadLoop()
    {
        var buffer = new byte[4096];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            // Once the program has ended, an empty poll means everything it wrote has been read.
            var poll = new PollFd { Fd = master, Events = PollIn };
            var ready = Poll(ref poll, 1, stopping ? 0 : 100);
            if (ready <= 0)
            {
                if (stopping)
                {
                    drained.TrySetResult();
                    return;
                }

                continue;
            }

            var read = Read(master, buffer, buffer.Length);
            if (read <= 0)
            {
                drained.TrySetResult();
                return;
            }

            var count = decoder.GetChars(buffer, 0, (int)read, chars, 0);
            lock (screen)
            {
                screen.Append(chars, 0, count);
                var text = Screen;
                foreach (var waiter in waiters.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
                {
                    waiters.Remove(waiter);
                    waiter.Seen.TrySetResult();
                }
            }
        }
    }

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

    [LibraryImport("libc", EntryPoint = "openpty", SetLastError = true)]
    private static partial int OpenPty(out int master, out int slave, nint name, nint termp, ref WinSize size);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, ref WinSize size);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
