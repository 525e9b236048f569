namespace Yak.Environments.Spec;

/// <summary>How to tell that a service is ready: exactly one of <see cref="HttpGet"/>, <see cref="TcpPort"/> or <see cref="Exec"/>.</summary>
/// <param name="HttpGet">An HTTP GET that must answer 2xx/3xx.</param>
/// <param name="TcpPort">A port that must accept connections.</param>
/// <param name="Exec">A command that must exit 0, run in the app container.</param>
/// <param name="PeriodSeconds">Seconds between checks, or null for the Kubernetes default.</param>
/// <param name="FailureThreshold">Failures in a row before unready, or null for the default.</param>
/// <param name="InitialDelaySeconds">Seconds before the first check, or null.</param>
/// <param name="TimeoutSeconds">Seconds one check may take, or null.</param>
public sealed record ReadinessSpec(
    HttpGetCheck? HttpGet,
    int? TcpPort,
    IReadOnlyList<string>? Exec,
    int? PeriodSeconds,
    int? FailureThreshold,
    int? InitialDelaySeconds,
    int? TimeoutSeconds);

/// <summary>An HTTP readiness check.</summary>
public sealed record HttpGetCheck(string Path, int Port);
