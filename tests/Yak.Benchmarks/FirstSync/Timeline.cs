using System.Diagnostics;
using System.Globalization;
using Yak.Sync.Session;

namespace Yak.Benchmarks.FirstSync;

/// <summary>With YAK_BENCH_TIMELINE=1, prints a session's state, counts and this process's CPU every 250 ms while it syncs: where the time goes.</summary>
internal static class Timeline
{
    public static async Task FollowAsync(SyncSession session, Task work)
    {
        if (Environment.GetEnvironmentVariable("YAK_BENCH_TIMELINE") != "1")
        {
            await work;
            return;
        }

        var clock = Stopwatch.StartNew();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        while (await Task.WhenAny(work, Task.Delay(250)) != work)
        {
            Print(session, clock, process, cpu0);
        }

        Print(session, clock, process, cpu0);
        await work;
    }

    private static void Print(SyncSession session, Stopwatch clock, Process process, TimeSpan cpu0)
    {
        process.Refresh();
        var s = session.GetStatus();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    {clock.Elapsed.TotalSeconds,6:0.00} s  {s.State,-12} local {s.LocalEntries,6} remote {s.RemoteEntries,6} sent {s.FilesSent,6} files {s.BytesOnWire >> 10,8} KiB  level {s.LinkCompressionLevel}  cpu {(process.TotalProcessorTime - cpu0).TotalSeconds:0.00} s"));
    }
}
