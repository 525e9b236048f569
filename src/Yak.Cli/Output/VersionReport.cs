using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Cli.Output;

/// <summary>What <c>yakctl version</c> prints (its JSON shape is this record's).</summary>
internal sealed record VersionReport(
    string Client,
    int ProtocolVersion,
    string? Daemon,
    int? DaemonProtocolVersion,
    int? DaemonPid,
    bool? DaemonMatches,
    IReadOnlyList<AgentBuildInfo> AgentBuilds,
    IReadOnlyList<AgentRunInfo> Agents)
{
    public static VersionReport From(HelloResponse? hello, VersionResponse? daemon) => new(
        DaemonClient.ClientVersion,
        Yak.Protocol.ProtocolVersion.Current,
        hello?.DaemonVersion,
        hello?.ProtocolVersion,
        daemon?.Pid,
        hello is null ? null : SameRelease(hello.DaemonVersion, DaemonClient.ClientVersion),
        daemon?.AgentBuilds ?? [],
        daemon?.Agents ?? []);

    /// <summary>Said whenever yakctl finds a yakd of another version: the usual state right after an upgrade.</summary>
    public static string MismatchNotice(string daemonVersion) =>
        $"note: the running yakd is {daemonVersion}, this yakctl is {DaemonClient.ClientVersion}. Run 'yakctl daemon restart' to replace it with the installed one (sessions and environments are kept).";

    public static void Write(TextWriter writer, VersionReport report)
    {
        writer.WriteLine($"yakctl  {report.Client} (protocol {report.ProtocolVersion})");
        if (report.Daemon is null)
        {
            writer.WriteLine("yakd    not running");
            return;
        }

        var pid = report.DaemonPid is { } p ? $", pid {p}" : string.Empty;
        var differs = report.DaemonMatches == false ? " — differs from yakctl" : string.Empty;
        writer.WriteLine($"yakd    {report.Daemon} (protocol {report.DaemonProtocolVersion}{pid}){differs}");
        if (report.AgentBuilds.Count > 0)
        {
            writer.WriteLine($"agent   {string.Join(", ", report.AgentBuilds.Select(b => $"{b.Version} {b.Platform}"))} (installed into sidecars on demand)");
        }

        foreach (var agent in report.Agents)
        {
            var owner = agent.Environment.Length > 0 ? $"{agent.Environment}/{agent.Service}" : agent.Session;
            var version = agent.AgentVersion is null ? "not connected yet" : agent.Current ? agent.AgentVersion : $"{agent.AgentVersion} (replaced by {report.Daemon} at the next connect)";
            writer.WriteLine($"  {owner,-24} {version}  [{agent.State.ToString().ToLowerInvariant()}]");
        }
    }

    internal static bool SameRelease(string a, string b) => string.Equals(a.Split('+')[0], b.Split('+')[0], StringComparison.Ordinal);
}
