using Yak.Kube;
using Yak.Kube.Streams;
using Yak.Protocol;

namespace Yak.Daemon.Streams;

/// <summary>Runs an exec or attach on a side connection: client frames → the remote process, its output → frames.</summary>
internal static class ExecStream
{
    public static async Task<int> RunAsync(
        SideChannel channel,
        KubeConnection kube,
        string podNamespace,
        string pod,
        string container,
        IReadOnlyList<string>? command,
        bool tty,
        bool stdin,
        CancellationToken cancellationToken)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var session = await KubeExecSession.StartAsync(kube, podNamespace, pod, container, command, tty, stdin, abort.Token).ConfigureAwait(false);
        var input = PumpInputAsync(channel, session, stdin, abort);
        var stdout = PumpOutputAsync(session.Stdout, channel, StreamFrames.Stdout, abort.Token);
        var stderr = tty ? Task.CompletedTask : PumpOutputAsync(session.Stderr, channel, StreamFrames.Stderr, abort.Token);
        var exit = await session.WaitForExitAsync(abort.Token).ConfigureAwait(false);
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        if (abort.IsCancellationRequested)
        {
            // The client went away: nobody to report to.
            throw new OperationCanceledException(abort.Token);
        }

        _ = input;
        if (exit.Error is not null)
        {
            throw new IOException(exit.Error);
        }

        return exit.ExitCode;
    }

    /// <summary>Client frames → the remote command; the client closing its connection aborts the command.</summary>
    private static async Task PumpInputAsync(SideChannel channel, KubeExecSession session, bool stdin, CancellationTokenSource abort)
    {
        try
        {
            while (await channel.ReceiveAsync(abort.Token).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case StreamFrames.Stdin when stdin:
                        await session.WriteStdinAsync(frame.Payload, abort.Token).ConfigureAwait(false);
                        break;
                    case StreamFrames.StdinClose when stdin:
                        await session.CloseStdinAsync(abort.Token).ConfigureAwait(false);
                        break;
                    case StreamFrames.Resize when frame.Payload.Length == 4:
                        await session.ResizeAsync(
                            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.Payload),
                            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.Payload.AsSpan(2)),
                            abort.Token).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException or System.Net.WebSockets.WebSocketException)
        {
            // The client or the exec went away: the session ends just below, with the exit code if there is one.
        }

        await abort.CancelAsync().ConfigureAwait(false);
    }

    private static async Task PumpOutputAsync(System.IO.Pipelines.PipeReader reader, SideChannel channel, byte type, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await channel.SendAsync(type, segment, cancellationToken).ConfigureAwait(false);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // One side closed: the other pump and the exit code end the session.
        }
    }
}
