using System.Globalization;
using Yak.Environments.Manifests;
using Yak.Environments.Spec;
using Yak.Kube.Environments;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>Describes an environment for the contract: services, pods, sync sessions and declared ports.</summary>
internal static class EnvironmentStatus
{
    public static EnvironmentInfo Build(EnvironmentRecord record, EnvironmentManifests? manifests, IReadOnlyList<ServiceRollout> rollouts, SupervisorServices services, string? error, YakError? errorCode = null)
    {
        var result = new List<EnvironmentServiceInfo>();
        foreach (var service in manifests?.Services ?? [])
        {
            var rollout = rollouts.FirstOrDefault(r => r.Service == service.Name);
            result.Add(new EnvironmentServiceInfo
            {
                Name = service.Name,
                Kind = service.Kind.ToString(),
                Selector = EnvironmentNames.SelectorText(service.Selector),
                State = rollout is null ? ServiceState.Unknown : ServiceStateOf(rollout.State),
                ReadyReplicas = rollout?.Ready ?? 0,
                DesiredReplicas = rollout?.Desired ?? 0,
                Message = rollout?.Message,
                Code = rollout is null ? null : Rpc.ClusterErrorCodes.For(rollout.Reason)?.Code,
                Pods = [.. (rollout?.Pods ?? []).Select(p => new EnvironmentPodInfo { Name = p.Name, Phase = p.Terminating ? "Terminating" : p.Phase, Ready = p.Ready, Restarts = p.Restarts, Reason = p.Reason })],
                Syncs = Syncs(record, service, services),
                Ports = [.. service.Ports.Select(p => Port(record, service, p, services))],
                Debug = service.DebugProfile,
            });
        }

        return new EnvironmentInfo
        {
            Name = record.Name,
            Namespace = record.Namespace,
            SpecPath = record.SpecPath,
            Cluster = record.Cluster,
            Server = record.Server,
            State = record.State,
            LastError = error ?? record.LastError,
            LastErrorCode = error is null ? record.LastErrorCode : errorCode?.Code,
            UpdatedAt = record.UpdatedAt,
            Services = result,
            Owner = string.Empty,
            Access = string.Empty,
        };
    }

    public static ServiceState ServiceStateOf(RolloutState state) => state switch
    {
        RolloutState.Pending => ServiceState.Pending,
        RolloutState.RollingOut => ServiceState.RollingOut,
        RolloutState.Ready => ServiceState.Ready,
        RolloutState.Stuck => ServiceState.Stuck,
        RolloutState.ScaledDown => ServiceState.ScaledDown,
        _ => ServiceState.Unknown,
    };

    private static List<EnvironmentSyncInfo> Syncs(EnvironmentRecord record, ServiceManifest service, SupervisorServices services)
    {
        var syncs = new List<EnvironmentSyncInfo>();
        for (var i = 0; i < service.Syncs.Count; i++)
        {
            var mapping = service.Syncs[i];
            var index = i;
            var binding = record.Bindings.FirstOrDefault(b => b.Service == service.Name && b.Index == index);
            var session = binding is null ? null : services.Sync.Find(binding.Session);
            syncs.Add(new EnvironmentSyncInfo
            {
                Session = binding?.Session ?? EnvironmentNames.SessionName(record.Name, service.Name, i),
                LocalPath = mapping.LocalPath,
                ContainerPath = mapping.ContainerPath,
                Endpoint = session?.Endpoint ?? string.Empty,
                State = session is null
                    ? record.State == EnvironmentState.Down ? EnvironmentSyncState.Stopped : EnvironmentSyncState.Pending
                    : SyncStateOf(session.State),
                LastError = session?.LastError,
                LastErrorCode = session?.LastErrorCode,
            });
        }

        return syncs;
    }

    private static EnvironmentPortInfo Port(EnvironmentRecord record, ServiceManifest service, PortTarget port, SupervisorServices services) => new()
    {
        Name = port.Name,
        ContainerPort = port.ContainerPort,
        LocalPort = port.LocalPort,
        Protocol = port.Protocol.ToString().ToUpperInvariant(),
        Forward = port.LocalPort is { } local ? ForwardStateOf(services.Forwards.Forward(record.Name, service.Name, local)?.State) : PortForwardState.None,
        Url = port.LocalPort is { } at && port.Protocol == PortProtocol.Tcp ? $"http://localhost:{at.ToString(CultureInfo.InvariantCulture)}" : null,
    };

    private static EnvironmentSyncState SyncStateOf(SyncSessionState state) => state switch
    {
        SyncSessionState.Connecting => EnvironmentSyncState.Connecting,
        SyncSessionState.Scanning => EnvironmentSyncState.Scanning,
        SyncSessionState.Syncing => EnvironmentSyncState.Syncing,
        SyncSessionState.Watching => EnvironmentSyncState.Watching,
        SyncSessionState.Paused => EnvironmentSyncState.Paused,
        SyncSessionState.Error => EnvironmentSyncState.Error,
        _ => EnvironmentSyncState.Stopped,
    };

    private static PortForwardState ForwardStateOf(ForwardSessionState? state) => state switch
    {
        null => PortForwardState.Pending,
        ForwardSessionState.Starting => PortForwardState.Starting,
        ForwardSessionState.Listening => PortForwardState.Listening,
        ForwardSessionState.Degraded => PortForwardState.Degraded,
        ForwardSessionState.Stopped => PortForwardState.Stopped,
        ForwardSessionState.Paused => PortForwardState.Paused,
        _ => PortForwardState.Error,
    };
}
