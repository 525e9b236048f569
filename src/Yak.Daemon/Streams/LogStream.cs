using System.Text.Json;
using Yak.Kube.Streams;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Streams;

/// <summary>Runs a logs stream on a side connection: each line a frame; the client closing its connection ends it.</summary>
internal static class LogStream
{
    public static async Task<int> RunAsync(SideChannel channel, ResolvedTarget target, IReadOnlyList<string> pods, string container, LogsStartRequest request, CancellationToken cancellationToken)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var input = Task.Run(
            async () =>
            {
                try
                {
                    while (await channel.ReceiveAsync(abort.Token).ConfigureAwait(false) is not null)
                    {
                    }
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
                {
                    // The client went away or sent garbage: either way the logs stop, just below.
                }

                await abort.CancelAsync().ConfigureAwait(false);
            },
            CancellationToken.None);
        await KubeLogs.StreamAsync(
            target.Connection,
            target.Namespace,
            pods,
            target.Pod.Length > 0 ? null : target.Selector,
            container.Length > 0 ? container : null,
            request.Follow,
            request.TailLines >= 0 ? request.TailLines : null,
            request.SinceSeconds > 0 ? request.SinceSeconds : null,
            line => channel.SendAsync(
                StreamFrames.Log,
                JsonSerializer.SerializeToUtf8Bytes(new LogLineInfo { Pod = line.Pod, Container = line.Container, Time = line.Time, Line = line.Line }, YakJson.Options.Info<LogLineInfo>()),
                abort.Token),
            abort.Token).ConfigureAwait(false);
        if (abort.IsCancellationRequested)
        {
            throw new OperationCanceledException(abort.Token);
        }

        _ = input;
        return 0;
    }
}
