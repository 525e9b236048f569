using System.Net;
using System.Net.WebSockets;
using k8s;
using k8s.Autorest;
using Yak.Kube;

namespace Yak.Forwarding;

/// <summary>Why a dial failed, and whether the picked pod is known to be gone (the tracker should list again).</summary>
internal sealed class DialException(string message, bool podGone, Exception? inner) : Exception(message, inner)
{
    public bool PodGone { get; } = podGone;
}

/// <summary>
/// Opens one port-forward WebSocket (<c>v4.channel.k8s.io</c>) with a hard deadline. The client library's connect
/// does not always honour cancellation, so the deadline is enforced here and a late socket is disposed when it
/// arrives: a hung dial never holds a local connection or leaks a socket.
/// </summary>
internal static class StreamDialer
{
    public const string Protocol = "v4.channel.k8s.io";

    public static async Task<WebSocket> DialAsync(IKubernetes client, string ns, string pod, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Task<WebSocket> connect;
        try
        {
            connect = client.WebSocketNamespacedPodPortForwardAsync(pod, ns, [port], Protocol, cancellationToken: deadline.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Wrap(ex, pod);
        }

        try
        {
            return await connect.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            DisposeWhenDone(connect);
            throw new DialException($"opening a stream to pod {pod} timed out after {timeout.TotalSeconds:0.#} s", podGone: false, null);
        }
        catch (OperationCanceledException)
        {
            DisposeWhenDone(connect);
            throw;
        }
        catch (Exception ex)
        {
            throw Wrap(ex, pod);
        }
    }

    private static void DisposeWhenDone(Task<WebSocket> connect) =>
        _ = connect.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result.Abort();
                    t.Result.Dispose();
                }
                else
                {
                    _ = t.Exception;
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private static DialException Wrap(Exception ex, string pod) => ex switch
    {
        HttpOperationException http => new DialException(
            $"opening a stream to pod {pod}: {(int)http.Response.StatusCode} {StatusMessage(http)}",
            podGone: http.Response.StatusCode == HttpStatusCode.NotFound || http.Response.StatusCode == HttpStatusCode.BadRequest,
            ex),
        _ => new DialException($"opening a stream to pod {pod}: {KubeErrors.Describe(ex)}", podGone: false, ex),
    };

    private static string StatusMessage(HttpOperationException http) =>
        http.Body is k8s.Models.V1Status { Message: { } message } ? message : http.Response.ReasonPhrase ?? string.Empty;
}
