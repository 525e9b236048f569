using System.Globalization;
using System.Runtime.InteropServices;

namespace Yak.Benchmarks.Startup;

/// <summary>
/// CPU time spent by a process, the figure that holds on a shared machine where wall times are mostly waits for a
/// core: of a running process from the scheduler's per-thread accounting (ns), of reaped children from getrusage.
/// </summary>
internal static class ProcessCpu
{
    private const int RusageChildren = -1;

    /// <summary>CPU time of every thread of a running process so far (/proc/PID/task/*/schedstat, first field).</summary>
    public static TimeSpan OfRunning(int pid)
    {
        long nanoseconds = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var text = File.ReadAllText(Path.Combine(task, "schedstat"));
                nanoseconds += long.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read: its time is gone with it.
            }
        }

        return TimeSpan.FromTicks(nanoseconds / 100);
    }

    /// <summary>User + system time of every child this process has reaped; the difference around one child's run is its CPU.</summary>
    public static TimeSpan OfReapedChildren()
    {
        if (GetRusage(RusageChildren, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return TimeSpan.FromTicks(((usage.UserSeconds + usage.SystemSeconds) * 1_000_000 + usage.UserMicroseconds + usage.SystemMicroseconds) * 10);
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRusage(int who, out Rusage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRss;
        public long IxRss;
        public long IdRss;
        public long IsRss;
        public long MinFlt;
        public long MajFlt;
        public long NSwap;
        public long InBlock;
        public long OuBlock;
        public long MsgSnd;
        public long MsgRcv;
        public long NSignals;
        public long NvCsw;
        public long NivCsw;
    }
}
