using Yak.Client;
using Yak.Protocol.Transport;

namespace Yak.Benchmarks;

/// <summary>Connects to a yakd a benchmark has just started: its socket is polled until the handshake answers.</summary>
internal static class DaemonWait
{
    /// <summary>
    /// Polls every 5 ms, for at most <paramref name="limit"/> (default 30 s: a start or restart takes well under a
    /// second on a quiet machine; a yakd restoring many environments under load may need longer).
    /// </summary>
    public static async Task<DaemonClient> ConnectAsync(DaemonEndpoint endpoint, CancellationToken cancellationToken, TimeSpan? limit = null, string clientName = "yak-bench")
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return await DaemonClient.ConnectAsync(endpoint, clientName, deadline.Token);
            }
            catch (DaemonUnavailableException)
            {
                await Task.Delay(5, deadline.Token);
            }
        }
    }
}
