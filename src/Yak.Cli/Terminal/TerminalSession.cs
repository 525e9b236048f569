using Yak.Cli.Output;
using Yak.Client;

namespace Yak.Cli.Terminal;

/// <summary>
/// A remote terminal on the local one: raw mode and the window size followed while it runs, keys sent as typed,
/// Ctrl-P Ctrl-Q detaching an attach. Only used when both ends have a terminal; otherwise see <see cref="StreamSession"/>.
/// </summary>
internal static class TerminalSession
{
    public static async Task<int> RunAsync(CliContext context, DaemonStream stream, bool detachable, CancellationToken cancellationToken)
    {
        using var detach = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var window = await WindowSizeFollower.StartAsync(stream, cancellationToken);
        using var raw = RawTerminal.Enter();
        var input = Task.Run(() => StdinPump.KeysAsync(stream, detachable, detach), CancellationToken.None);
        try
        {
            return await StreamSession.CopyOutputAsync(context, stream, detach.Token);
        }
        catch (OperationCanceledException) when (detach.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            context.Output.Error.WriteLine("\r\ndetached");
            return CliExitCodes.Success;
        }
        finally
        {
            // The key pump is blocked in a read of the terminal: it ends with the process, or at the next key.
            _ = input;
        }
    }
}
