using System.Diagnostics;
using Yak.Client;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Benchmarks.Startup;

/// <summary>
/// yakd start → first RPC answer, and cold <c>yakctl daemon status</c>, <c>yakctl status</c> and <c>yakctl status
/// --output json</c> against a running yakd with one registered environment, each beside the floor of the same
/// program doing nothing (<c>--version</c>). By default the build beside the benchmarks
/// (<c>dotnet yakd.dll</c>, JIT only); <c>YAK_BENCH_BIN=DIR</c> measures the published programs in DIR instead (what
/// packaging/build.sh ships: single file, ReadyToRun). Beside the wall times, the CPU each spent: on a shared
/// machine the wall time is mostly a wait for a core.
/// </summary>
public sealed class StartupBenchmarks : IBenchmarkSuite
{
    private const int Runs = 10;

    public string Name => "startup";

    public string Description => "yakd start → first RPC answer and cold yakctl daemon status / status / status --output json (p50 of 10), vs the same program's --version (yakctl --version: its start floor)";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        var programs = Programs.FromEnvironment();
        Console.WriteLine($"  programs: {programs.Describe()}");
        var firstAnswer = new List<double>();
        var yakdVersion = new List<double>();
        var status = new List<double>();
        var yakctlVersion = new List<double>();
        var yakctlFlag = new List<double>();
        var yakctlFlagCpu = new List<double>();
        var firstAnswerCpu = new List<double>();
        var statusCpu = new List<double>();
        var envStatus = new List<double>();
        var envStatusCpu = new List<double>();
        var envStatusJson = new List<double>();
        var envStatusJsonCpu = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            using var sandbox = new YakSandbox();
            var environment = sandbox.Environment(autostart: false);
            var endpoint = DaemonEndpoint.Resolve(n => environment.TryGetValue(n, out var v) ? v : null);
            RegisteredEnvironment.Write(sandbox, endpoint);
            yakdVersion.Add(await TimeAsync(programs.Yakd(["--version"], environment), cancellationToken));

            var clock = Stopwatch.StartNew();
            using var daemon = Process.Start(programs.Yakd(["--background"], environment))!;
            daemon.StandardInput.Close();
            daemon.BeginOutputReadLine();
            daemon.BeginErrorReadLine();
            try
            {
                await using (var client = await ConnectAsync(endpoint, daemon, cancellationToken))
                {
                    await client.StatusAsync(cancellationToken);
                    firstAnswer.Add(clock.Elapsed.TotalMilliseconds);
                    firstAnswerCpu.Add(ProcessCpu.OfRunning(daemon.Id).TotalMilliseconds);
                }

                yakctlVersion.Add(await TimeAsync(programs.Yakctl(["version"], environment), cancellationToken));
                await TimeWithCpuAsync(programs.Yakctl(["--version"], environment), yakctlFlag, yakctlFlagCpu, cancellationToken);
                await TimeWithCpuAsync(programs.Yakctl(["daemon", "status"], environment), status, statusCpu, cancellationToken);
                await TimeWithCpuAsync(programs.Yakctl(["status"], environment), envStatus, envStatusCpu, RegisteredEnvironment.Name, cancellationToken);
                await TimeWithCpuAsync(programs.Yakctl(["status", "--output", "json"], environment), envStatusJson, envStatusJsonCpu, RegisteredEnvironment.Name, cancellationToken);
            }
            finally
            {
                daemon.Kill(entireProcessTree: true);
                await daemon.WaitForExitAsync(cancellationToken);
            }
        }

        report.Add("startup", "yakd start → first RPC answer p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(firstAnswer, 50)),
            "yakd --version " + BenchmarkReport.Ms(BenchmarkReport.Percentile(yakdVersion, 50)), "≤ 150 ms");
        report.Add("startup", "yakd start → first RPC answer max", BenchmarkReport.Ms(firstAnswer.Max()), "yakd --version " + BenchmarkReport.Ms(yakdVersion.Max()));
        report.Add("startup", "cold yakctl daemon status p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(status, 50)),
            "yakctl version " + BenchmarkReport.Ms(BenchmarkReport.Percentile(yakctlVersion, 50)), "≤ 100 ms");
        report.Add("startup", "yakd CPU until its first RPC answer p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(firstAnswerCpu, 50)), "all threads, /proc/PID/task/*/schedstat");
        report.Add("startup", "cold yakctl daemon status CPU p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(statusCpu, 50)), "getrusage of the reaped child");
        report.Add("startup", "cold yakctl status p50 (one environment)", BenchmarkReport.Ms(BenchmarkReport.Percentile(envStatus, 50)),
            "CPU " + BenchmarkReport.Ms(BenchmarkReport.Percentile(envStatusCpu, 50)), "≤ 100 ms");
        report.Add("startup", "cold yakctl status --output json p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(envStatusJson, 50)),
            "CPU " + BenchmarkReport.Ms(BenchmarkReport.Percentile(envStatusJsonCpu, 50)), "≤ 100 ms");
        // The floor of any yakctl command: the process starting and printing a constant (NativeAOT vs ReadyToRun shows here first).
        report.Add("startup", "cold yakctl --version p50 (start floor)", BenchmarkReport.Ms(BenchmarkReport.Percentile(yakctlFlag, 50)),
            "CPU " + BenchmarkReport.Ms(BenchmarkReport.Percentile(yakctlFlagCpu, 50)));
        report.Add("startup", "cold yakctl daemon status max", BenchmarkReport.Ms(status.Max()), "yakctl version " + BenchmarkReport.Ms(yakctlVersion.Max()));
    }

    private static async Task<DaemonClient> ConnectAsync(DaemonEndpoint endpoint, Process daemon, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return await DaemonClient.ConnectAsync(endpoint, "yak-bench", deadline.Token);
            }
            catch (DaemonUnavailableException) when (!daemon.HasExited)
            {
                // Polling the socket is what a client does while yakd starts; 1 ms keeps the figure's grain fine.
                await Task.Delay(1, deadline.Token);
            }
        }
    }

    private static async Task<double> TimeAsync(ProcessStartInfo info, CancellationToken cancellationToken) =>
        (await RunTimedAsync(info, cancellationToken)).Milliseconds;

    /// <summary>Wall time into <paramref name="wall"/>, the reaped child's CPU into <paramref name="cpu"/>; the output must name <paramref name="expected"/>.</summary>
    private static async Task TimeWithCpuAsync(
        ProcessStartInfo info, List<double> wall, List<double> cpu, string? expected, CancellationToken cancellationToken)
    {
        var reaped = ProcessCpu.OfReapedChildren();
        var (milliseconds, output) = await RunTimedAsync(info, cancellationToken);
        cpu.Add((ProcessCpu.OfReapedChildren() - reaped).TotalMilliseconds);
        wall.Add(milliseconds);
        if (expected is not null && !output.Contains(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not list {expected}: {output}");
        }
    }

    private static Task TimeWithCpuAsync(ProcessStartInfo info, List<double> wall, List<double> cpu, CancellationToken cancellationToken) =>
        TimeWithCpuAsync(info, wall, cpu, null, cancellationToken);

    private static async Task<(double Milliseconds, string Output)> RunTimedAsync(ProcessStartInfo info, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(info, TimeSpan.FromSeconds(60));
        clock.Stop();
        cancellationToken.ThrowIfCancellationRequested();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{info.FileName} {string.Join(' ', info.ArgumentList)} failed: {result}");
        }

        return (clock.Elapsed.TotalMilliseconds, result.StandardOutput);
    }

    /// <summary>Where yakd and yakctl come from: the dev build run by the dotnet host, or published executables.</summary>
    private sealed record Programs(string? Bin)
    {
        public static Programs FromEnvironment() =>
            Environment.GetEnvironmentVariable("YAK_BENCH_BIN") is { Length: > 0 } bin ? new Programs(Path.GetFullPath(bin)) : new Programs((string?)null);

        public string Describe() => Bin is null ? "dotnet yakd.dll / yakctl.dll beside the benchmarks (JIT)" : $"published executables in {Bin}";

        public ProcessStartInfo Yakd(string[] arguments, IReadOnlyDictionary<string, string?> environment) => Start("yakd", arguments, environment);

        public ProcessStartInfo Yakctl(string[] arguments, IReadOnlyDictionary<string, string?> environment) => Start("yakctl", arguments, environment);

        private ProcessStartInfo Start(string program, string[] arguments, IReadOnlyDictionary<string, string?> environment) =>
            Bin is null
                ? ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests(program + ".dll"), .. arguments], environment)
                : ProcessRunner.StartInfo(Path.Combine(Bin, program), arguments, environment);
    }
}
