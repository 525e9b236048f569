using Microsoft.Extensions.Logging;
using Yak.Daemon.Kube;
using Yak.Kube;
using Yak.Sync.Link;

namespace Yak.Daemon.Sync;

/// <summary>
/// Pod endpoints: the agent in the pod's sync sidecar, reached by exec through KubernetesClient. One client per
/// (kubeconfig, context), shared with forwards (<see cref="KubeConnections"/>).
/// </summary>
internal sealed class PodAgentConnectorFactory(KubeConnections connections, ILogger<PodAgentConnectorFactory> logger) : IPodAgentConnectorFactory
{
    public IAgentConnector Create(PodSyncEndpoint endpoint, SyncSessionDefinition definition) =>
        new PodExecAgentConnector(Connect(definition), endpoint.Namespace, endpoint.Pod, endpoint.Container, endpoint.Path, Log(definition));

    public IAgentConnector Create(SelectorSyncEndpoint endpoint, SyncSessionDefinition definition) =>
        PodExecAgentConnector.ForSelector(Connect(definition), endpoint.Namespace, endpoint.Selector, endpoint.Container, endpoint.Path, Log(definition));

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

    private Action<string> Log(SyncSessionDefinition definition) =>
        line => logger.LogInformation("agent[{Session}]: {Line}", definition.Name, line);
}
