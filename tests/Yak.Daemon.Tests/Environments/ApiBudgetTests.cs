using Yak.Benchmarks.ApiSim;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// The short api-sim (tests/Yak.Benchmarks/ApiSim, run by the benchmark with N=200): a few environments in one yakd,
/// the API server refusing a fifth of the requests with 429. Counts, not timings.
/// </summary>
public sealed class ApiBudgetTests
{
    private const int Environments = 5;

    [Fact]
    public async Task Simulation_FiveEnvironmentsUnder429s_AllUpSyncAndForwardsServeAndIdleCostsNoRequest()
    {
        using var output = new StringWriter();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(8));

        var result = await new ApiSimulation(Environments, throttleShare: 0.2, idleWindow: TimeSpan.FromSeconds(15), sample: Environments, output).RunAsync(limit.Token);

        Assert.True(result.Problems.Count == 0, string.Join("\n", result.Problems) + "\n" + output);
        Assert.Equal(Environments, result.Up);
        Assert.Equal(Environments, result.Checked);
        Assert.True(result.Refused > 0, "the API server never answered 429: the simulation did not exercise the budget");

        // Idle, every environment is followed by its informers' open watches: no request at all (polling passes cost
        // two requests per environment every 5 s).
        Assert.True(result.IdleRequests <= Environments, $"{result.IdleRequests} requests while idle");

        // An up: the apply (a get and a patch per object), one list and watch per kind for all of the environment's
        // users (rollout, status, forwards, sync), the image-pull events, the 429s retried.
        Assert.True(result.UpRequestsPerEnvironment <= 30, $"{result.UpRequestsPerEnvironment:0.0} requests per environment's up");
    }
}
