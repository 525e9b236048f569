using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Yak.Kube;
using Yak.Sync.Link;

namespace Yak.Daemon.Sync;

/// <summary>
/// Pod endpoints: the agent in the pod's sync sidecar, reached by exec through KubernetesClient. One client per
/// (kubeconfig, context), shared by the sessions on that cluster.
/// </summary>
internal sealed class PodAgentConnectorFactory(ILogger<PodAgentConnectorFactory> logger) : IPodAgentConnectorFactory, IDisposable
{
    private readonly ConcurrentDictionary<KubeTarget, KubeConnection> connections = new();

    public IAgentConnector Create(PodSyncEndpoint endpoint, SyncSessionDefinition definition) =>
        new PodExecAgentConnector(Connect(definition), endpoint.Namespace, endpoint.Pod, endpoint.Container, endpoint.Path, Log(definition));

    public IAgentConnector Create(SelectorSyncEndpoint endpoint, SyncSessionDefinition definition) =>
        PodExecAgentConnector.ForSelector(Connect(definition), endpoint.Namespace, endpoint.Selector, endpoint.Container, endpoint.Path, Log(definition));

    private KubeConnection Connect(SyncSessionDefinition definition)
    {
        var target = new KubeTarget(NullIfEmpty(definition.Kubeconfig), NullIfEmpty(definition.Context));
        try
        {
            return connections.GetOrAdd(target, KubeClientFactory.Create);
        }
        catch (KubeConnectionException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
    }

    private Action<string> Log(SyncSessionDefinition definition) =>
        line => logger.LogInformation("agent[{Session}]: {Line}", definition.Name, line);

    public void Dispose()
    {
        foreach (var connection in connections.Values)
        {
            connection.Dispose();
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
