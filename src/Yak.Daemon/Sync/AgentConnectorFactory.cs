using Microsoft.Extensions.Logging;
using Yak.Protocol.Transport;
using Yak.Sync.Link;

namespace Yak.Daemon.Sync;

/// <summary>Turns an endpoint into the way a session reaches its agent.</summary>
internal interface IAgentConnectorFactory
{
    IAgentConnector Create(SyncEndpoint endpoint, SyncSessionDefinition definition);
}

/// <summary>
/// <c>local:</c> endpoints start yak-agent (shipped beside yakd) as a child process. Pod endpoints are served by
/// the Kubernetes connector when one is registered; without it they are refused with a clear message.
/// </summary>
internal sealed class AgentConnectorFactory(DaemonEndpoint daemon, ILogger<AgentConnectorFactory> logger, IPodAgentConnectorFactory? pods = null) : IAgentConnectorFactory
{
    public IAgentConnector Create(SyncEndpoint endpoint, SyncSessionDefinition definition) => endpoint switch
    {
        LocalSyncEndpoint local => new LocalAgentConnector(local.Path, log: line => logger.LogInformation("agent[{Session}]: {Line}", definition.Name, line))
        {
            // The agent's scan cache lives with the session's state, not in the user's ~/.cache.
            AgentCachePath = Path.Combine(daemon.StateDirectory, "sync", definition.Name, "agent.scan"),
        },
        PodSyncEndpoint pod when pods is not null => pods.Create(pod, definition),
        SelectorSyncEndpoint selector when pods is not null => pods.Create(selector, definition),
        PodSyncEndpoint or SelectorSyncEndpoint => throw new NotSupportedException("This yakd has no Kubernetes connector for pod endpoints."),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };
}

/// <summary>Reaches an agent inside a pod (exec into the sync sidecar).</summary>
internal interface IPodAgentConnectorFactory
{
    IAgentConnector Create(PodSyncEndpoint endpoint, SyncSessionDefinition definition);

    IAgentConnector Create(SelectorSyncEndpoint endpoint, SyncSessionDefinition definition);
}
