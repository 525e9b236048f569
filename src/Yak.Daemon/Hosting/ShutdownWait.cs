using Microsoft.Extensions.Logging;
using Yak.Daemon.Logging;

namespace Yak.Daemon.Hosting;

/// <summary>
/// A manager's stop, bounded by the host's shutdown timeout. The generic host awaits every <c>StopAsync</c> even after
/// its token is cancelled, so one session that never finishes closing (a write into a link that stopped answering)
/// would keep yakd from exiting at all and <c>yakctl daemon stop</c> would end in YAK1009. What has not closed when the
/// token is cancelled is logged and left behind: its state on disk is its last save, which the next start resumes,
/// as after a kill -9.
/// </summary>
internal static class ShutdownWait
{
    /// <summary>Waits for <paramref name="closing"/> until <paramref name="cancellationToken"/>; a failure among them is thrown as before.</summary>
    public static async Task AllAsync(IReadOnlyCollection<Task> closing, string what, ILogger logger, CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(closing);
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !all.IsCompleted)
        {
            Log.StopCutShort(logger, closing.Count(t => !t.IsCompleted), what);
        }
    }
}
