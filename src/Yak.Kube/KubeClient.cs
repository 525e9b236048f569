using k8s;

namespace Yak.Kube;

/// <summary>
/// KubernetesClient's client with the one thing yak reads itself: a watch's event stream (<see cref="Watching.WatchStream"/>),
/// sent through the client's own request path (credentials, TLS server name, HTTP/2, errors as HttpOperationException).
/// </summary>
public sealed class KubeClient(KubernetesClientConfiguration configuration, params DelegatingHandler[] handlers)
    : Kubernetes(configuration, handlers)
{
    /// <summary>GET <paramref name="relativeUri"/> with only its headers read: the body streams as the server writes it.</summary>
    internal Task<HttpResponseMessage> GetStreamingAsync(string relativeUri, CancellationToken cancellationToken) =>
        SendRequest<object?>(relativeUri, HttpMethod.Get, null, null, cancellationToken);
}
