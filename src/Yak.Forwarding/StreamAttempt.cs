using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Yak.Forwarding;

/// <summary>How one stream attempt ended.</summary>
internal enum AttemptOutcome
{
    /// <summary>Both sides finished; the local socket was shut down gracefully.</summary>
    Completed,

    /// <summary>Failed before the pod sent anything and nothing was lost: safe to retry on a new stream.</summary>
    Retryable,

    /// <summary>Failed after data flowed (or the replay overflowed): the local client must be reset.</summary>
    Broken,
}

/// <summary>Client bytes kept until the pod first answers, so that a stream that fails before that can be replayed.</summary>
internal sealed class ReplayBuffer(int limit)
{
    private readonly MemoryStream data = new();

    /// <summary>False once the pod answered (replay no longer needed) or the limit was passed (replay impossible).</summary>
    public bool Active { get; private set; } = true;

    public bool Overflowed { get; private set; }

    public bool LocalEof { get; set; }

    public ReadOnlyMemory<byte> Content => data.GetBuffer().AsMemory(0, (int)data.Length);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (!Active)
        {
            return;
        }

        if (data.Length + bytes.Length > limit)
        {
            Overflowed = true;
            Release();
            return;
        }

        data.Write(bytes);
    }

    public void Release()
    {
        Active = false;
        data.SetLength(0);
        data.Capacity = 0;
    }
}

/// <summary>
/// Relays one local connection over one port-forward WebSocket (v4 channels: data on 0, errors on 1, each opened by
/// the 2-byte port the server sends first).
/// <para>
/// Half-close: the v4 channel protocol cannot carry one (a close frame from the client ends the whole stream on
/// kubelets and on the local cluster, cutting the pod's answer short). So local EOF only stops the upload; the answer
/// keeps flowing until the server closes the stream, or until the pod has been silent for
/// <see cref="PortForwardOptions.HalfCloseIdleTimeout"/>, when the stream is closed. The server's close ends the
/// local send side. An error message from the server or a broken WebSocket resets the local client unless nothing
/// was exchanged yet (then the caller retries on a fresh stream).
/// </para>
/// </summary>
internal sealed class StreamAttempt(Socket local, WebSocket remote, ReplayBuffer replay, ForwardCounters counters, PortForwardOptions options)
{
    private const byte DataChannel = 0;
    private const byte ErrorChannel = 1;
    private int podBytes;
    private CancellationTokenSource? quiet;
    private int quietWatchStarted;
    private long receiveStartedAt;
    private Task localSend = Task.CompletedTask;
    private int localSendCount;

    /// <summary>The error the server reported, or why the WebSocket broke.</summary>
    public string? Error { get; private set; }

    /// <summary>The error is the pod's own answer on the error channel (e.g. nothing listens on the port).</summary>
    public bool ErrorFromPod { get; private set; }

    public async Task<AttemptOutcome> RunAsync(CancellationToken cancellationToken)
    {
        using var cancelLocal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var podQuiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        quiet = podQuiet;
        var upstream = LocalToRemoteAsync(cancelLocal.Token);
        if (replay.LocalEof)
        {
            StartQuietWatch();
        }

        AttemptOutcome outcome;
        try
        {
            outcome = await RemoteToLocalAsync(podQuiet.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (podQuiet.IsCancellationRequested && !cancellationToken.IsCancellationRequested && replay.LocalEof)
        {
            // Half-closed and the pod said nothing more for the idle timeout: the exchange is over.
            outcome = AttemptOutcome.Completed;
        }
        catch (Exception ex) when (ex is WebSocketException or SocketException or IOException or OperationCanceledException)
        {
            Error ??= ex is OperationCanceledException ? "stopped" : $"stream broke: {ex.Message}";
            outcome = Classify();
        }

        if (outcome == AttemptOutcome.Completed)
        {
            // The last payload may still be on its way to the client: deliver it before the FIN.
            try
            {
                await localSend.ConfigureAwait(false);
                counters.AddIn(localSendCount);
                localSendCount = 0;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                outcome = AttemptOutcome.Broken;
                Error ??= $"local client: {ex.Message}";
            }
        }

        if (outcome == AttemptOutcome.Completed)
        {
            TryShutdownLocalSend();

            // The pod's side is over; give the client the close deadline to finish (it normally closes at once).
            if (await Task.WhenAny(upstream, Task.Delay(options.CloseTimeout, CancellationToken.None)).ConfigureAwait(false) != upstream)
            {
                await cancelLocal.CancelAsync().ConfigureAwait(false);
            }
        }
        else
        {
            await cancelLocal.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await upstream.WaitAsync(options.CloseTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A send stuck on a dead WebSocket: aborting below releases it.
        }

        if (outcome == AttemptOutcome.Completed && remote.State == WebSocketState.CloseReceived)
        {
            // Answer the server's close (bounded: a hung close never holds the connection).
            try
            {
                await remote.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(options.CloseTimeout, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException or IOException)
            {
            }
        }

        remote.Abort();
        await podQuiet.CancelAsync().ConfigureAwait(false);
        return outcome;
    }

    /// <summary>
    /// After local EOF: ends the stream once the pod has been silent for the idle timeout while we wait for it. Only
    /// time spent waiting on the pod counts (a slow local reader never makes the pod look silent).
    /// </summary>
    private void StartQuietWatch()
    {
        if (Interlocked.Exchange(ref quietWatchStarted, 1) != 0 || quiet is not { } source)
        {
            return;
        }

        var token = source.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var wait = options.HalfCloseIdleTimeout;
                    var started = Volatile.Read(ref receiveStartedAt);
                    if (started != 0)
                    {
                        var silent = options.Time.GetElapsedTime(started);
                        if (silent >= options.HalfCloseIdleTimeout)
                        {
                            await source.CancelAsync().ConfigureAwait(false);
                            return;
                        }

                        wait = options.HalfCloseIdleTimeout - silent;
                    }

                    await Task.Delay(wait, options.Time, token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
            }
        }, CancellationToken.None);
    }

    private AttemptOutcome Classify()
    {
        if (Volatile.Read(ref podBytes) > 0 || replay.Overflowed)
        {
            return AttemptOutcome.Broken;
        }

        // Nothing came back from the pod. An error message means the server never reached the pod's port, so the
        // client's bytes went nowhere; a broken stream is only retried when the client had sent nothing yet.
        return Error is { } error && error.StartsWith("pod:", StringComparison.Ordinal) || replay.Content.IsEmpty
            ? AttemptOutcome.Retryable
            : AttemptOutcome.Broken;
    }

    /// <param name="receiveToken">Cancels waiting on the pod (stop, or the pod silent after a half-close).</param>
    /// <param name="cancellationToken">Cancels everything (stop); local sends only listen to this one.</param>
    private async Task<AttemptOutcome> RemoteToLocalAsync(CancellationToken receiveToken, CancellationToken cancellationToken)
    {
        // Two buffers: the next WebSocket receive overlaps the local send of the previous payload.
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(options.BufferSize), ArrayPool<byte>.Shared.Rent(options.BufferSize)];
        var current = 0;
        var prefix = new int[] { 2, 2 };
        var errorText = new MemoryStream();
        var channel = -1;
        try
        {
            while (true)
            {
                var buffer = buffers[current];
                Volatile.Write(ref receiveStartedAt, options.Time.GetTimestamp());
                var result = await remote.ReceiveAsync(buffer.AsMemory(), receiveToken).ConfigureAwait(false);
                Volatile.Write(ref receiveStartedAt, 0);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return Error is null ? AttemptOutcome.Completed : Classify();
                }

                var payload = buffer.AsMemory(0, result.Count);
                if (channel < 0)
                {
                    if (payload.IsEmpty)
                    {
                        continue;
                    }

                    channel = payload.Span[0];
                    payload = payload[1..];
                }

                if (channel is DataChannel or ErrorChannel)
                {
                    var skip = Math.Min(prefix[channel], payload.Length);
                    prefix[channel] -= skip;
                    payload = payload[skip..];
                }

                if (channel == DataChannel && !payload.IsEmpty)
                {
                    if (Interlocked.Exchange(ref podBytes, 1) == 0)
                    {
                        replay.Release();
                    }

                    await localSend.ConfigureAwait(false);
                    counters.AddIn(localSendCount);
                    localSend = SendAllAsync(payload, cancellationToken);
                    localSendCount = payload.Length;
                    current ^= 1;
                }
                else if (channel == ErrorChannel)
                {
                    errorText.Write(payload.Span);
                }

                if (result.EndOfMessage)
                {
                    channel = -1;
                    if (errorText.Length > 0)
                    {
                        Error = "pod: " + Encoding.UTF8.GetString(errorText.GetBuffer(), 0, (int)errorText.Length);
                        ErrorFromPod = true;
                        return Classify();
                    }
                }
            }
        }
        finally
        {
            // A local send still in flight keeps its buffer; it is then left to the GC rather than pooled.
            var idle = localSend.IsCompleted;
            _ = localSend.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (idle)
            {
                ArrayPool<byte>.Shared.Return(buffers[0]);
                ArrayPool<byte>.Shared.Return(buffers[1]);
            }
        }
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await local.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private async Task LocalToRemoteAsync(CancellationToken cancellationToken)
    {
        // Two buffers: the next local read overlaps the WebSocket send of the previous chunk.
        var chunk = Math.Min(options.BufferSize, options.MaxMessagePayload);
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(chunk + 1), ArrayPool<byte>.Shared.Rent(chunk + 1)];
        var sending = Task.CompletedTask;
        var pendingCount = 0;
        try
        {
            if (!replay.Content.IsEmpty)
            {
                await SendDataAsync(replay.Content, cancellationToken).ConfigureAwait(false);
            }

            var current = 0;
            while (!replay.LocalEof)
            {
                var buffer = buffers[current];
                buffer[0] = DataChannel;
                var read = await local.ReceiveAsync(buffer.AsMemory(1, chunk), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                await sending.ConfigureAwait(false);
                counters.AddOut(pendingCount);
                pendingCount = 0;
                if (read == 0)
                {
                    replay.LocalEof = true;
                    break;
                }

                replay.Append(buffer.AsSpan(1, read));
                sending = remote.SendAsync(buffer.AsMemory(0, read + 1), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).AsTask();
                pendingCount = read;
                current ^= 1;
            }

            // Local half-close: keep the stream open for the answer; from now on the pod's silence ends it.
            StartQuietWatch();
        }
        catch (Exception ex) when (ex is WebSocketException or SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The reading side decides the outcome; a failed send shows up there as a broken stream.
            if (ex is not OperationCanceledException)
            {
                remote.Abort();
            }
        }
        finally
        {
            try
            {
                await sending.ConfigureAwait(false);
                counters.AddOut(pendingCount);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
            }

            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    private async Task SendDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var message = new byte[data.Length + 1];
        message[0] = DataChannel;
        data.CopyTo(message.AsMemory(1));
        await remote.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
    }

    private void TryShutdownLocalSend()
    {
        try
        {
            local.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
