using System.Runtime.InteropServices;
using Yak.Client;

namespace Yak.Cli.Terminal;

/// <summary>Sends the local window size now and on every SIGWINCH, so <c>stty size</c> in the container follows the window.</summary>
internal sealed class WindowSizeFollower : IDisposable
{
    private readonly DaemonStream stream;
    private readonly PosixSignalRegistration? registration;

    private WindowSizeFollower(DaemonStream stream)
    {
        this.stream = stream;
        if (!OperatingSystem.IsWindows())
        {
            registration = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal => { _ = SendAsync(CancellationToken.None); });
        }
    }

    /// <summary>Console's terminal set-up (reading the size) must come before raw mode, so it does not undo it: start this first.</summary>
    public static async Task<WindowSizeFollower> StartAsync(DaemonStream stream, CancellationToken cancellationToken)
    {
        var follower = new WindowSizeFollower(stream);
        await follower.SendAsync(cancellationToken);
        return follower;
    }

    public void Dispose() => registration?.Dispose();

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        try
        {
            await stream.ResizeAsync(Console.WindowWidth, Console.WindowHeight, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The session is over: no window to follow.
        }
    }
}
