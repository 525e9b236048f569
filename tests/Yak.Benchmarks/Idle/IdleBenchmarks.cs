using System.Diagnostics;
using System.Globalization;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Benchmarks.Idle;

/// <summary>
/// An idle yakd with 5 sync sessions watching 100k files in all (<c>YAK_BENCH_IDLE_FILES</c>): its resident memory
/// and the CPU it spends over a minute (<c>YAK_BENCH_IDLE_SECONDS</c>) once every session has synced, read from
/// /proc/PID. The sessions are local (an agent process each, not counted): what yakd holds is the same for a pod.
/// </summary>
public sealed class IdleBenchmarks : IBenchmarkSuite
{
    private const int Sessions = 5;

    public string Name => "idle";

    public string Description => "idle yakd, 5 sessions watching 100k files: RSS and CPU over a minute";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        var files = Setting("YAK_BENCH_IDLE_FILES", 100_000);
        var seconds = Setting("YAK_BENCH_IDLE_SECONDS", 60);
        using var sandbox = new YakSandbox();
        var environment = sandbox.Environment(autostart: false);
        var endpoint = DaemonEndpoint.Resolve(n => environment.TryGetValue(n, out var v) ? v : null);
        var roots = Enumerable.Range(0, Sessions).Select(i => Path.Combine(sandbox.Root, $"src{i}")).ToList();
        foreach (var root in roots)
        {
            WriteTree(root, files / Sessions);
        }

        var published = Environment.GetEnvironmentVariable("YAK_BENCH_BIN") is { Length: > 0 } bin ? Path.GetFullPath(bin) : null;
        using var daemon = Process.Start(published is not null
            ? ProcessRunner.StartInfo(Path.Combine(published, "yakd"), ["--background"], environment)
            : ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakd.dll"), "--background"], environment))!;
        daemon.StandardInput.Close();
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        try
        {
            await using (var client = await DaemonWait.ConnectAsync(endpoint, cancellationToken))
            {
                for (var i = 0; i < Sessions; i++)
                {
                    await client.CreateSyncAsync(
                        new SyncCreateRequest { Name = $"s{i}", LocalPath = roots[i], Endpoint = $"local:{Path.Combine(sandbox.Root, $"replica{i}")}", Excludes = [], Kubeconfig = string.Empty, Context = string.Empty },
                        cancellationToken);
                }

                for (var i = 0; i < Sessions; i++)
                {
                    await client.FlushSyncAsync($"s{i}", cancellationToken);
                }
            }

            // The pid, for a profiler attached during the idle minute (dotnet-gcdump, strace -c, /proc/PID/smaps).
            Console.Error.WriteLine($"idle: yakd pid {daemon.Id} synced; measuring {seconds} s");
            var before = ProcStat.Read(daemon.Id);
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
            var after = ProcStat.Read(daemon.Id);
            var cpu = (after.CpuSeconds - before.CpuSeconds) / clock.Elapsed.TotalSeconds * 100;
            var build = published is null ? "JIT" : "published";
            report.Add("idle", $"yakd RSS ({build}), {Sessions} sessions, {files} files, idle", BenchmarkReport.Bytes(after.RssBytes), $"anonymous {BenchmarkReport.Bytes(after.RssAnonBytes)}, files {BenchmarkReport.Bytes(after.RssFileBytes)}, shared (the JIT's W^X double mapping) {BenchmarkReport.Bytes(after.RssShmemBytes)}, peak {BenchmarkReport.Bytes(after.PeakRssBytes)}", "≤ 100 MB");
            report.Add("idle", $"yakd CPU over {seconds} s idle", cpu.ToString("0.00", CultureInfo.InvariantCulture) + " %", $"{after.Threads} threads", "≤ 0.5 %");

            // What idling costs the next edit: an idle session parked its models (IdleMemoryTrim) and reloads them
            // for the first save; the second save, right after, finds them in memory.
            var edited = Path.Combine(roots[0], "pkg0", "mod0", "file_0.cs");
            var replica = Path.Combine(sandbox.Root, "replica0", "pkg0", "mod0", "file_0.cs");
            var first = await EditVisibleAsync(edited, replica, "first edit after idling\n", cancellationToken);
            var second = await EditVisibleAsync(edited, replica, "second edit\n", cancellationToken);
            report.Add("idle", $"save → visible locally, first edit after {seconds} s idle ({files / Sessions} files in the session)", BenchmarkReport.Ms(first), $"next edit {BenchmarkReport.Ms(second)}");
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync(cancellationToken);
        }
    }

    /// <summary>Saves a file as editors do (temp + rename) and times until the replica holds the new content.</summary>
    private static async Task<double> EditVisibleAsync(string path, string replica, string content, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        File.WriteAllText(path + ".saving", content);
        File.Move(path + ".saving", path, overwrite: true);
        while (!string.Equals(ReadOrNull(replica), content, StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"{replica} did not receive the edit within 30 s");
            }

            await Task.Delay(1, cancellationToken);
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    /// <summary>A source-like tree: 50 files a folder, nested two deep, small text files.</summary>
    private static void WriteTree(string root, int files)
    {
        var random = new Random(files);
        var line = new string('x', 60) + "\n";
        for (var i = 0; i < files; i++)
        {
            var folder = Path.Combine(root, $"pkg{i / 2500}", $"mod{i / 50 % 50}");
            if (i % 50 == 0)
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllText(Path.Combine(folder, $"file_{i}.cs"), string.Concat(Enumerable.Repeat(line, random.Next(1, 20))));
        }
    }

    /// <summary>CPU time, resident memory and threads of a process, from /proc/PID/stat and /proc/PID/status.</summary>
    private sealed record ProcStat(double CpuSeconds, long RssBytes, long RssAnonBytes, long RssFileBytes, long RssShmemBytes, long PeakRssBytes, int Threads)
    {
        public static ProcStat Read(int pid)
        {
            // stat: fields after the ')' of comm; utime and stime are the 14th and 15th fields, in clock ticks (100 Hz on Linux).
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var status = File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
            return new ProcStat(
                ticks / 100.0, Kilobytes(status["VmRSS"]), Kilobytes(status["RssAnon"]), Kilobytes(status["RssFile"]), Kilobytes(status["RssShmem"]),
                Kilobytes(status["VmHWM"]), int.Parse(status["Threads"], CultureInfo.InvariantCulture));
        }

        private static long Kilobytes(string value) => long.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
