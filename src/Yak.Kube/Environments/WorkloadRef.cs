namespace Yak.Kube.Environments;

public enum WorkloadType
{
    Deployment,
    StatefulSet,
}

/// <summary>A service's workload as the rollout watcher sees it.</summary>
/// <param name="Service">The spec's service name.</param>
/// <param name="Kind">Deployment or StatefulSet.</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Name">The workload's name.</param>
/// <param name="Selector">Label selector of its pods (<c>k=v,k2=v2</c>).</param>
/// <param name="AppContainer">The container whose failures explain a stuck pod first.</param>
public sealed record WorkloadRef(string Service, WorkloadType Kind, string Namespace, string Name, string Selector, string AppContainer);
