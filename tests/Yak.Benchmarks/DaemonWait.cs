using Yak.Client;
using Yak.Protocol.Transport;

namespace Yak.Benchmarks;

/// <summary>Connects to a yakd a benchmark has just started: its socket is polled until the handshake answers.</summary>
internal static class DaemonWait
{
    /// <summary>Polls every 5 ms, for at most 30 s (a start or restart takes well under a second on a quiet machine).</summary>
    public static async Task<DaemonClient> ConnectAsync(DaemonEndpoint endpoint, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return await DaemonClient.ConnectAsync(endpoint, "yak-bench", deadline.Token);
            }
            catch (DaemonUnavailableException)
            {
                await Task.Delay(5, deadline.Token);
            }
        }
    }
}
