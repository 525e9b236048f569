using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Yak.Protocol;

namespace Yak.Daemon.Streams;

/// <summary>
/// Streams prepared by <c>*/start</c> and waiting for a side connection to claim them with <c>streams/attach</c>.
/// A token is single-use and expires unclaimed after <see cref="Lifetime"/>; running streams end with the daemon.
/// </summary>
internal sealed partial class StreamBroker(ILogger<StreamBroker> logger, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    /// <summary>How long a claimed side connection may take to send its start frame.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Pending> pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();

    public string Register(string kind, string description, Func<SideChannel, CancellationToken, Task<int>> run)
    {
        var now = time.GetUtcNow();
        foreach (var (token, stale) in pending)
        {
            if (stale.Expires < now)
            {
                pending.TryRemove(token, out _);
            }
        }

        var fresh = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        pending[fresh] = new Pending(kind, description, run, now + Lifetime);
        return fresh;
    }

    public Pending? Claim(string token) =>
        pending.TryRemove(token, out var found) && found.Expires >= time.GetUtcNow() ? found : null;

    /// <summary>Runs a claimed stream on its side connection: waits for the client's start frame, runs, sends the exit frame, closes.</summary>
    public void Launch(Pending claimed, Stream connection) => _ = RunAsync(claimed, new SideChannel(connection));

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    private async Task RunAsync(Pending claimed, SideChannel channel)
    {
        await using var _ = channel;
        var token = stopping.Token;
        try
        {
            (byte Type, byte[] Payload)? first;
            using (var startDeadline = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                startDeadline.CancelAfter(StartTimeout);
                first = await channel.ReceiveAsync(startDeadline.Token).ConfigureAwait(false);
            }

            if (first is not { Type: StreamFrames.Start })
            {
                LogNoStart(logger, claimed.Kind, claimed.Description);
                return;
            }

            LogStarted(logger, claimed.Kind, claimed.Description);
            int code;
            try
            {
                code = await claimed.Run(channel, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client closed its side connection (or the daemon is stopping): nobody to report to.
                LogDropped(logger, claimed.Kind, claimed.Description, "closed by the client");
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, claimed.Kind, claimed.Description, ex.Message);
                await channel.SendAsync(StreamFrames.Error, Encoding.UTF8.GetBytes(ex.Message), token).ConfigureAwait(false);
                code = -1;
            }

            await channel.SendAsync(StreamFrames.Exit, StreamFrames.ExitPayload(code), token).ConfigureAwait(false);
            LogEnded(logger, claimed.Kind, claimed.Description, code);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException or System.Net.Sockets.SocketException)
        {
            LogDropped(logger, claimed.Kind, claimed.Description, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} stream started: {Description}")]
    private static partial void LogStarted(ILogger logger, string kind, string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} stream ended with {Code}: {Description}")]
    private static partial void LogEnded(ILogger logger, string kind, string description, int code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} stream failed: {Description}: {Error}")]
    private static partial void LogFailed(ILogger logger, string kind, string description, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} stream connection dropped: {Description}: {Error}")]
    private static partial void LogDropped(ILogger logger, string kind, string description, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} side connection did not start with a start frame: {Description}")]
    private static partial void LogNoStart(ILogger logger, string kind, string description);

    internal sealed record Pending(string Kind, string Description, Func<SideChannel, CancellationToken, Task<int>> Run, DateTimeOffset Expires);
}
