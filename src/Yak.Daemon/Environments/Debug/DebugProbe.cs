using System.Net.Sockets;
using Yak.Environments.Spec;

namespace Yak.Daemon.Environments;

/// <summary>Waits until a debugger answers on its forwarded localhost port.</summary>
internal static class DebugProbe
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(250);

    /// <summary>How long an accepted connection must stay open to count as the debugger's (see <see cref="HoldsAsync"/>).</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(500);

    public static async Task WaitAsync(DebugRuntime runtime, int localPort, TimeProvider time, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                if (runtime == DebugRuntime.Node
                    ? (await http.GetAsync(new Uri($"http://127.0.0.1:{localPort}/json/version"), cancellationToken).ConfigureAwait(false)).IsSuccessStatusCode
                    : await HoldsAsync(localPort, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet (the forward is starting, the debugger is loading): try again.
            }

            await Task.Delay(Retry, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// DAP servers (debugpy, netcoredbg, dlv) say nothing until the client speaks, and the forward accepts locally before
    /// it reaches the pod: a connection the forward closes at once found nothing listening in the pod; one that stays
    /// open is the debugger's. (It is closed again without a word; the debuggers wait for the next client.)
    /// </summary>
    private static async Task<bool> HoldsAsync(int localPort, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", localPort, cancellationToken).ConfigureAwait(false);
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hold.CancelAfter(Hold);
        try
        {
            var buffer = new byte[64];
            return await client.GetStream().ReadAsync(buffer, hold.Token).ConfigureAwait(false) > 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }
}
