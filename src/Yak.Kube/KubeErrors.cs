using k8s.Autorest;

namespace Yak.Kube;

/// <summary>Short descriptions of API failures, for users (forward states, informer problems).</summary>
public static class KubeErrors
{
    public static string Describe(Exception ex) => ex switch
    {
        HttpOperationException http => $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase}: {Truncate(http.Response.Content)}",
        k8s.KubernetesException kube => kube.Status?.Message ?? kube.Message,
        OperationCanceledException => "request timed out",
        _ => ex.InnerException is { } inner && ex is HttpRequestException ? $"{ex.Message} ({inner.Message})" : ex.Message,
    };

    private static string Truncate(string? text) => text is null ? string.Empty : text.Length <= 200 ? text : text[..200];
}
