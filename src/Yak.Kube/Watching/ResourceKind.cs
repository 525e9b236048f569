using k8s;
using k8s.Models;

namespace Yak.Kube.Watching;

/// <summary>How to list and watch one kind of namespaced object.</summary>
public sealed class ResourceKind<T>(
    string name,
    Func<IKubernetes, string, CancellationToken, Task<(IList<T> Items, string ResourceVersion)>> list,
    Func<IKubernetes, string, string, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventKind, T)>> watch)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The plural resource name, e.g. <c>pods</c>.</summary>
    public string Name { get; } = name;

    internal Task<(IList<T> Items, string ResourceVersion)> ListAsync(IKubernetes client, string ns, CancellationToken cancellationToken) =>
        list(client, ns, cancellationToken);

    /// <summary>Watches from <paramref name="resourceVersion"/>, with bookmarks; the server ends it after <paramref name="timeoutSeconds"/>.</summary>
    internal IAsyncEnumerable<(WatchEventKind Kind, T Object)> WatchAsync(IKubernetes client, string ns, string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
        watch(client, ns, resourceVersion, timeoutSeconds, onError, cancellationToken);

    public override string ToString() => Name;
}

/// <summary>The kinds yakd watches.</summary>
public static class ResourceKinds
{
    public static ResourceKind<V1Pod> Pods { get; } = new(
        "pods",
        async (client, ns, ct) =>
        {
            var list = await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return (list.Items, list.Metadata?.ResourceVersion ?? string.Empty);
        },
        (client, ns, version, timeout, onError, ct) => WatchStream.WatchAsync<V1Pod>(
            client, $"api/v1/namespaces/{ns}/pods", version, timeout, allowBookmarks: true, onError: onError, cancellationToken: ct));

    public static ResourceKind<V1Deployment> Deployments { get; } = new(
        "deployments",
        async (client, ns, ct) =>
        {
            var list = await client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return (list.Items, list.Metadata?.ResourceVersion ?? string.Empty);
        },
        (client, ns, version, timeout, onError, ct) => WatchStream.WatchAsync<V1Deployment>(
            client, $"apis/apps/v1/namespaces/{ns}/deployments", version, timeout, allowBookmarks: true, onError: onError, cancellationToken: ct));

    public static ResourceKind<V1StatefulSet> StatefulSets { get; } = new(
        "statefulsets",
        async (client, ns, ct) =>
        {
            var list = await client.AppsV1.ListNamespacedStatefulSetAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return (list.Items, list.Metadata?.ResourceVersion ?? string.Empty);
        },
        (client, ns, version, timeout, onError, ct) => WatchStream.WatchAsync<V1StatefulSet>(
            client, $"apis/apps/v1/namespaces/{ns}/statefulsets", version, timeout, allowBookmarks: true, onError: onError, cancellationToken: ct));
}
