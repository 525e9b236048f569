using System.Reflection;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Hosting;

/// <summary>Facts about this daemon process, fixed at start-up.</summary>
internal sealed class DaemonInfo(DaemonEndpoint endpoint, TimeProvider time)
{
    public DaemonEndpoint Endpoint { get; } = endpoint;

    public int Pid { get; } = Environment.ProcessId;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public static string Version { get; } =
        typeof(DaemonInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(DaemonInfo).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>The log file being written today (<see cref="RollingLogFile"/>: the day's newest).</summary>
    public string CurrentLogFile => RollingLogFile.NewestOf(Endpoint.LogDirectory, DateOnly.FromDateTime(time.GetLocalNow().DateTime));

    public TimeSpan Uptime => time.GetUtcNow() - StartedAt;
}
