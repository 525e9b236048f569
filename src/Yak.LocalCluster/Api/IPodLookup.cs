using k8s.Models;

namespace Yak.LocalCluster.Api;

/// <summary>Reads a pod object from the API server's store (for the pod subresource handlers: exec, attach, port-forward, log).</summary>
public interface IPodLookup
{
    /// <summary>The current pod object, or null when no pod by that name exists in the namespace.</summary>
    V1Pod? GetPod(string ns, string name);
}
