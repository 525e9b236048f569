using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace Yak.Kube.Streams;

/// <summary>
/// The API server answered an exec or attach with an error instead of a stream (the pod is gone, the container does
/// not run, RBAC forbids it); <see cref="Status"/> is its HTTP status when it said one.
/// </summary>
public sealed partial class ExecRefusedException(string message, Exception inner) : IOException(message, inner)
{
    public HttpStatusCode? Status { get; } = StatusOf(inner);

    private static HttpStatusCode? StatusOf(Exception inner) => inner switch
    {
        k8s.Autorest.HttpOperationException http => http.Response?.StatusCode,
        k8s.KubernetesException kube when kube.Status?.Code is { } code => (HttpStatusCode)code,
        // KubernetesClient words a refused upgrade "The server returned status code '404' when status code '101' was expected."
        WebSocketException socket when ReturnedStatus().Match(socket.Message) is { Success: true } match =>
            (HttpStatusCode)int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
        _ => null,
    };

    [GeneratedRegex(@"status code '(\d{3})'")]
    private static partial Regex ReturnedStatus();
}
