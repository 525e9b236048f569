using Yak.Environments.Manifests;

namespace Yak.Daemon.Sync.Agent;

/// <summary>Where delivered agents live in the sidecar: the sidecar's own emptyDir, so they outlive yakd and container restarts.</summary>
internal static class SyncAgentLayout
{
    public const string MountPath = SyncSidecar.AgentMountPath;

    /// <summary>The agent's scan cache for one root, kept in the agent volume so a reconnect rescans by stat only.</summary>
    public static string CachePath(string root) => $"{MountPath}/scan{root.Replace('/', '-')}.scan";
}
