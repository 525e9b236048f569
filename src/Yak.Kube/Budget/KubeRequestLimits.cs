namespace Yak.Kube.Budget;

/// <summary>
/// How hard yakd may press one API server: a token bucket of <see cref="Burst"/> requests refilled at
/// <see cref="RequestsPerSecond"/> (client-go's QPS and burst), and how often a request the server refused with 429
/// is tried again after its <c>Retry-After</c>.
/// </summary>
public sealed record KubeRequestLimits
{
    /// <summary>Defaults for a daemon serving one developer's environments: above what it needs while idle or during
    /// an up, below what a shared API server's priority and fairness gives one user before it answers 429.</summary>
    public static KubeRequestLimits Default { get; } = new();

    public double RequestsPerSecond { get; init; } = 20;

    public int Burst { get; init; } = 40;

    /// <summary>Tries after the first 429 before the refusal is the caller's.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>The longest wait between tries, whatever <c>Retry-After</c> says.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}
