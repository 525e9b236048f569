using Yak.Daemon.Environments;
using Yak.Daemon.Hosting;
using Yak.Daemon.Sync;
using Yak.Daemon.Sync.Agent;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Rpc;

/// <summary>
/// Answers <c>daemon/version</c> from what yakd already knows, without calling any cluster: its own version, the
/// agent builds it ships, and the version each sync session's agent announced at its last handshake.
/// </summary>
internal sealed class VersionReport(DaemonInfo info, AgentBuilds builds, SyncSessionManager sync, EnvironmentRegistry environments)
{
    public VersionResponse Build()
    {
        var owners = new Dictionary<string, (string Environment, string Service)>(StringComparer.Ordinal);
        foreach (var record in environments.All())
        {
            foreach (var binding in record.Bindings)
            {
                owners[binding.Session] = (record.Name, binding.Service);
            }
        }

        var agents = sync.Status(string.Empty)
            .Select(session =>
            {
                var owner = owners.GetValueOrDefault(session.Name, (Environment: string.Empty, Service: string.Empty));
                return new AgentRunInfo
                {
                    Environment = owner.Environment,
                    Service = owner.Service,
                    Session = session.Name,
                    AgentVersion = session.AgentVersion,
                    Current = session.AgentVersion is { } version && SameRelease(version, DaemonInfo.Version),
                    State = session.State,
                };
            })
            .OrderBy(a => a.Environment, StringComparer.Ordinal)
            .ThenBy(a => a.Session, StringComparer.Ordinal)
            .ToList();

        return new VersionResponse
        {
            Version = DaemonInfo.Version,
            ProtocolVersion = ProtocolVersion.Current,
            MinimumProtocolVersion = ProtocolVersion.MinimumSupported,
            Pid = info.Pid,
            AgentBuilds = [.. builds.Platforms.Select(builds.Find).OfType<AgentBuild>().Select(b => new AgentBuildInfo { Platform = b.Platform, Version = b.Version, Sha256 = b.Sha256, Size = b.Size })],
            Agents = agents,
        };
    }

    /// <summary>Versions compare without build metadata (<c>0.1.0+abc</c> is release 0.1.0).</summary>
    public static bool SameRelease(string a, string b) => string.Equals(a.Split('+')[0], b.Split('+')[0], StringComparison.Ordinal);
}
