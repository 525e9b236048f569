using Microsoft.Win32.SafeHandles;
using Yak.Client;

namespace Yak.Cli.Terminal;

/// <summary>yakctl's stdin → stdin frames of a stream: piped as it comes, or keys of a terminal with the detach sequence.</summary>
internal static class StdinPump
{
    private const byte CtrlP = 0x10;
    private const byte CtrlQ = 0x11;

    /// <summary>Sends stdin until its end, then the end of stdin (a remote <c>cat</c> sees EOF).</summary>
    public static async Task PipeAsync(DaemonStream stream, CancellationToken cancellationToken)
    {
        try
        {
            await using var stdin = OpenStdin();
            await stream.PumpStdinAsync(stdin, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The command ended first, or the daemon went away: the output side reports that.
        }
    }

    /// <summary>
    /// Sends keys as they are typed; with <paramref name="detachable"/>, Ctrl-P Ctrl-Q cancels <paramref name="detach"/>
    /// instead of being sent (the remote process keeps running). The end of stdin is passed on.
    /// </summary>
    public static async Task KeysAsync(DaemonStream stream, bool detachable, CancellationTokenSource detach)
    {
        var token = detach.Token;
        try
        {
            await using var stdin = OpenStdin();
            var buffer = new byte[4096];
            var sawCtrlP = false;
            int read;
            while ((read = await stdin.ReadAsync(buffer, token)) > 0)
            {
                if (detachable)
                {
                    for (var i = 0; i < read; i++)
                    {
                        if (sawCtrlP && buffer[i] == CtrlQ)
                        {
                            await detach.CancelAsync();
                            return;
                        }

                        sawCtrlP = buffer[i] == CtrlP;
                    }
                }

                await stream.WriteStdinAsync(buffer.AsMemory(0, read), token);
            }

            await stream.CloseStdinAsync(token);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The session ended first (its output side returned and disposed what this loop was using).
        }
    }

    /// <summary>
    /// fd 0 itself as bytes: on a terminal Console.OpenStandardInput() reads through .NET's line editor, which
    /// echoes and waits for Enter.
    /// </summary>
    private static FileStream OpenStdin() => new(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
}
