using k8s;
using k8s.Models;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary><see cref="IPodLookup"/> over the object store.</summary>
internal sealed class StorePodLookup : IPodLookup
{
    private readonly ObjectStore _store;

    public StorePodLookup(ObjectStore store) => _store = store;

    public V1Pod? GetPod(string ns, string name)
    {
        var pod = _store.Get(ResourceCatalog.Pods, ns, name);
        return pod is null ? null : KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString());
    }
}
