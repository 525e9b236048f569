using Microsoft.Extensions.Logging;
using Yak.Daemon.Configuration;
using Yak.Daemon.Kube;
using Yak.Daemon.Sync.Agent;
using Yak.Kube;
using Yak.Sync.Link;

namespace Yak.Daemon.Sync;

/// <summary>
/// Pod endpoints: the agent in the pod's sync sidecar, reached by exec through KubernetesClient, installed there first
/// unless config.yaml names a prebuilt agent image (<c>agent.image</c>). One client per (kubeconfig, context), shared
/// with forwards (<see cref="KubeConnections"/>).
/// </summary>
internal sealed class PodAgentConnectorFactory(KubeConnections connections, AgentBuilds builds, DaemonConfiguration configuration, ILogger<PodAgentConnectorFactory> logger) : IPodAgentConnectorFactory
{
    public IAgentConnector Create(PodSyncEndpoint endpoint, SyncSessionDefinition definition) =>
        new PodExecAgentConnector(Connect(definition), endpoint.Namespace, endpoint.Pod, endpoint.Container, endpoint.Path, Installer(definition), Log(definition));

    public IAgentConnector Create(SelectorSyncEndpoint endpoint, SyncSessionDefinition definition) =>
        PodExecAgentConnector.ForSelector(Connect(definition), endpoint.Namespace, endpoint.Selector, endpoint.Container, endpoint.Path, Installer(definition), Log(definition));

    private KubeConnection Connect(SyncSessionDefinition definition)
    {
        try
        {
            return connections.Get(definition.Kubeconfig, definition.Context);
        }
        catch (KubeConnectionException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
    }

    /// <summary>Null when the sidecar runs a prebuilt agent image (nothing to install).</summary>
    private AgentInstaller? Installer(SyncSessionDefinition definition)
    {
        var config = configuration.Current;
        var cluster = config.Clusters.FirstOrDefault(c => (c.Kubeconfig ?? string.Empty) == definition.Kubeconfig && (c.Context ?? string.Empty) == definition.Context);
        return config.AgentFor(cluster?.Name).Image is null ? new AgentInstaller(builds, Log(definition)) : null;
    }

    private Action<string> Log(SyncSessionDefinition definition) =>
        line => logger.LogInformation("agent[{Session}]: {Line}", definition.Name, line);
}
