using System.Globalization;

namespace Yak.Benchmarks.ApiSim;

/// <summary>
/// <c>api-sim [--environments N] [--throttle-share P] [--idle-seconds S] [--sample K]</c>: the API budget of N
/// environments in one yakd against one local cluster answering 429 to a share of requests (see <see cref="ApiSimulation"/>).
/// The baseline is what the same environments cost before the shared informers: a get and a list per workload every
/// supervisor pass (5 s idle), i.e. 24 requests per environment per minute idle.
/// </summary>
public sealed class ApiSimBenchmarks : IBenchmarkSuite
{
    /// <summary>Before: each pass read the workload and listed its pods (2 requests), a pass every 5 s while idle.</summary>
    private const double PollingIdlePerMinute = 2 * 60 / 5.0;

    public string Name => "api-sim";

    public string Description => "N environments on one cluster answering 429 to a share of requests: API requests per environment per minute, idle and during up; sync and forwards checked";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        var environments = BenchmarkOptions.Int("environments", 200);
        var share = BenchmarkOptions.Double("throttle-share", 0.2);
        var idle = TimeSpan.FromSeconds(BenchmarkOptions.Int("idle-seconds", 120));
        var sample = Math.Min(environments, BenchmarkOptions.Int("sample", 10));
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var result = await new ApiSimulation(environments, share, idle, sample, Console.Out).RunAsync(cancellationToken);
        foreach (var problem in result.Problems.Take(20))
        {
            Console.WriteLine($"api-sim problem: {problem}");
        }

        var n = environments.ToString(CultureInfo.InvariantCulture);
        report.Add("api-sim", $"{n} environments up (429 share {share:0.##}, load {load} at start)", $"{result.Up}/{n} in {result.UpTime.TotalSeconds:0} s", string.Empty, $"{n}/{n}");
        report.Add("api-sim", "requests per environment per minute, idle", result.IdleRequestsPerEnvironmentMinute.ToString("0.00", CultureInfo.InvariantCulture),
            $"polling passes {PollingIdlePerMinute:0} (ratio {result.IdleRequestsPerEnvironmentMinute / PollingIdlePerMinute:0.000})", "≈ 0 (watches only)");
        report.Add("api-sim", "requests per environment per minute, during up", result.UpRequestsPerEnvironmentMinute.ToString("0.0", CultureInfo.InvariantCulture));
        report.Add("api-sim", "requests per environment for its up", result.UpRequestsPerEnvironment.ToString("0.0", CultureInfo.InvariantCulture));
        report.Add("api-sim", "requests answered 429 (share of all)", $"{result.Refused} ({result.RefusedShare:P1})");
        var fds = result.Descriptors;
        var perEnvironment = (fds.ClusterUp - fds.ClusterBefore) / (double)environments;
        report.Add("api-sim", "file descriptors in the cluster's process after up (per environment)", $"{fds.ClusterUp} ({perEnvironment:0.0})", string.Empty, $"< {fds.Limit} (RLIMIT_NOFILE)");
        report.Add("api-sim", "file descriptors in the cluster's process after idle, at the end", $"{fds.ClusterIdle}, {fds.ClusterEnd}");
        report.Add("api-sim", "file descriptors in yakd after up, at the end", $"{fds.YakdUp}, {fds.YakdEnd}");
        report.Add("api-sim", "sampled environments: an edit served through the forward", $"{result.Checked}/{result.Sampled}", string.Empty, $"{result.Sampled}/{result.Sampled}");
    }
}
