using System.Net.Sockets;
using System.Net.WebSockets;
using k8s;

namespace Yak.Forwarding;

/// <summary>
/// One accepted local connection: picks the current pod, opens its own stream, relays, and — while nothing has been
/// exchanged with a pod yet — retries on a fresh stream with capped, jittered back-off until the connect budget is
/// spent. A connection that cannot be served is reset (RST), never left hanging.
/// </summary>
internal sealed class ForwardConnection(
    Socket local, IKubernetes client, PodTracker tracker, PortForwardOptions options, ForwardCounters counters, Action<string?, string, ForwardProblem> reportError, Action reportDialSuccess)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failed = true;
        counters.Opened();
        try
        {
            ConfigureLocal();
            failed = !await ServeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The forward is stopping.
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or WebSocketException)
        {
            reportError(tracker.View.Pick?.Metadata?.Name, ex.Message, ForwardProblem.StreamBroke);
        }
        finally
        {
            if (failed)
            {
                Reset();
            }
            else
            {
                local.Dispose();
            }

            counters.Closed(failed);
        }
    }

    /// <summary>Returns true when the connection ended cleanly.</summary>
    private async Task<bool> ServeAsync(CancellationToken cancellationToken)
    {
        var started = options.Time.GetTimestamp();
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay);
        var replay = new ReplayBuffer(options.ReplayLimit);
        string? lastError = null;
        var lastKind = ForwardProblem.NoReadyPod;
        string? podName = null;
        while (true)
        {
            var remaining = options.ConnectBudget - options.Time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                reportError(podName, lastError ?? "no pod to connect to", lastError is null ? ForwardProblem.NoReadyPod : lastKind);
                return false;
            }

            var view = tracker.View;
            if (view.Pick is not { } pod)
            {
                lastError = view.Problem;
                lastKind = view.ApiFailing ? ForwardProblem.ClusterUnreachable : ForwardProblem.NoReadyPod;
                await WaitAsync(tracker.NextChange, remaining, cancellationToken).ConfigureAwait(false);
                continue;
            }

            podName = pod.Metadata.Name;
            WebSocket stream;
            var dialTimeout = Min(options.DialTimeout, remaining);
            try
            {
                stream = await StreamDialer.DialAsync(
                    client, pod.Metadata.NamespaceProperty ?? options.Target.Namespace, podName, tracker.RemotePortFor(pod), dialTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (DialException ex)
            {
                // A dial cut short by the end of the budget says less than the failure that used the budget up.
                if (lastError is null || dialTimeout == options.DialTimeout || ex.PodGone)
                {
                    lastError = ex.Message;
                    lastKind = ex.PodGone ? ForwardProblem.NoReadyPod : ForwardProblem.StreamFailed;
                }

                if (ex.PodGone)
                {
                    tracker.Kick();
                }

                await WaitAsync(tracker.NextChange, Min(backoff.Next(), remaining), cancellationToken).ConfigureAwait(false);
                continue;
            }

            reportDialSuccess();
            using (stream)
            {
                var attempt = new StreamAttempt(local, stream, replay, counters, options);
                var outcome = await attempt.RunAsync(cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case AttemptOutcome.Completed:
                        return true;
                    case AttemptOutcome.Broken:
                        reportError(podName, attempt.Error ?? "stream broke", attempt.ErrorFromPod ? ForwardProblem.RemoteRefused : ForwardProblem.StreamBroke);
                        return false;
                    default:
                        lastError = attempt.Error;
                        lastKind = attempt.ErrorFromPod ? ForwardProblem.RemoteRefused : ForwardProblem.StreamBroke;
                        break;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            await WaitAsync(tracker.NextChange, Min(backoff.Next(), options.ConnectBudget - options.Time.GetElapsedTime(started)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for <paramref name="signal"/> (e.g. a new pick) or the delay, whichever comes first.</summary>
    private async Task WaitAsync(Task signal, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        await Task.WhenAny(signal, Task.Delay(delay, options.Time, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void ConfigureLocal()
    {
        local.NoDelay = true;
        local.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        var seconds = Math.Max(1, (int)options.LocalKeepAlive.TotalSeconds);
        local.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, seconds);
        local.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, seconds / 3));
        local.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
    }

    /// <summary>Closes with RST: the client sees "connection reset" at once instead of a hang or a clean but empty EOF.</summary>
    private void Reset()
    {
        try
        {
            local.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        local.Dispose();
    }
}
