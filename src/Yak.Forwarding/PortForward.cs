using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using k8s;
using Yak.Kube.Watching;

namespace Yak.Forwarding;

/// <summary>
/// One forward, owned by the daemon: a listener on 127.0.0.1 that stays bound from <see cref="StartAsync"/> to
/// <see cref="StopAsync"/> whatever happens to pods or the API server. Each accepted connection gets its own
/// port-forward stream to the pod the <see cref="ForwardTarget"/> currently resolves to (a pod watch keeps the pick
/// fresh). State, target and counters are observable (<see cref="GetStatus"/>) and changes are raised as events —
/// synchronously, on whichever thread noticed them: handlers must be quick and must not block.
/// </summary>
public sealed class PortForward : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly PodTracker tracker;
    private readonly ForwardCounters counters = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<long, Task> connections = new();
    private readonly Lock gate = new();
    private Socket? listener;
    private Task? acceptLoop;
    private Task? probeLoop;
    private Task? stopTask;
    private ForwardState state = ForwardState.Starting;
    private string? reason;
    private ForwardProblem reasonKind;
    private string? targetPod;
    private string? dialFailure;
    private ForwardProblem dialFailureKind;
    private string? lastError;
    private ForwardProblem lastErrorKind;
    private DateTimeOffset? lastErrorAt;
    private long nextConnection;
    private int localPort;

    /// <param name="informers">The cluster connection's shared informers (yakd passes them so forwards into one
    /// namespace share one pod watch); null gives the forward informers of its own.</param>
    public PortForward(IKubernetes client, PortForwardOptions options, KubeInformers? informers = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (client is Kubernetes kubernetes)
        {
            kubernetes.WithStreamKeepAlive();
        }

        this.client = client;
        Options = options;
        counters.Changed += () => ConnectionsChanged?.Invoke(this, new ForwardConnectionsChangedEventArgs(counters.Open, counters.Total));
        tracker = new PodTracker(client, options, informers);
        tracker.Changed += _ => Reevaluate();
    }

    public PortForwardOptions Options { get; }

    /// <summary>The bound port (the picked one when <see cref="PortForwardOptions.LocalPort"/> was 0); 0 before start.</summary>
    public int LocalPort => Volatile.Read(ref localPort);

    public ForwardState State
    {
        get
        {
            lock (gate)
            {
                return state;
            }
        }
    }

    /// <summary>The pod new connections go to, or null.</summary>
    public string? TargetPod
    {
        get
        {
            lock (gate)
            {
                return targetPod;
            }
        }
    }

    /// <summary>State changes (Starting → Listening, Listening ⇄ Degraded, → Stopped/Error).</summary>
    public event EventHandler<ForwardStateChangedEventArgs>? StateChanged;

    /// <summary>The pod new connections go to changed (a replacement became Ready, or none is left).</summary>
    public event EventHandler<ForwardTargetChangedEventArgs>? TargetChanged;

    /// <summary>A connection could not be served or broke (also kept as <see cref="ForwardStatus.LastError"/>).</summary>
    public event EventHandler<ForwardConnectionErrorEventArgs>? ConnectionError;

    /// <summary>A local connection opened or closed.</summary>
    public event EventHandler<ForwardConnectionsChangedEventArgs>? ConnectionsChanged;

    public ForwardStatus GetStatus()
    {
        lock (gate)
        {
            return new ForwardStatus(
                state, reason, Options.Target.Describe(), LocalPort, Options.RemotePort, targetPod, counters.Open, counters.Total, counters.Failed,
                counters.BytesIn, counters.BytesOut, lastError, lastErrorAt, reasonKind, lastErrorKind);
        }
    }

    /// <summary>
    /// Binds the local port and starts forwarding. Returns once the port is bound (state Degraded until a Ready pod is
    /// known, then Listening). Throws <see cref="PortInUseException"/> (state Error) when the port is taken.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            if (state != ForwardState.Starting || listener is not null)
            {
                throw new InvalidOperationException($"the forward is {state}; a forward starts once");
            }
        }

        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, Options.LocalPort));
            socket.Listen(Options.Backlog);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            socket.Dispose();
            var error = ex.SocketErrorCode == SocketError.AccessDenied
                ? new PortInUseException($"local port {Options.LocalPort} on 127.0.0.1 cannot be bound: permission denied (ports below 1024 need privileges)", ex)
                : new PortInUseException(Options.LocalPort, PortHolder.Find(Options.LocalPort), ex);
            SetState(ForwardState.Error, error.Message, ForwardProblem.LocalPortUnavailable);
            throw error;
        }

        listener = socket;
        Volatile.Write(ref localPort, ((IPEndPoint)socket.LocalEndPoint!).Port);
        SetState(ForwardState.Degraded, "resolving target", ForwardProblem.None);
        tracker.Start();
        acceptLoop = Task.Run(() => AcceptLoopAsync(socket, stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops: unbinds, resets open connections, ends the watch. Bounded by the close deadline; idempotent.</summary>
    public Task StopAsync()
    {
        lock (gate)
        {
            return stopTask ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        await Task.Yield();
        await stopping.CancelAsync().ConfigureAwait(false);
        listener?.Dispose();
        var pending = connections.Values.ToList();
        if (acceptLoop is not null)
        {
            pending.Add(acceptLoop);
        }

        if (probeLoop is not null)
        {
            pending.Add(probeLoop);
        }

        await Task.WhenAny(Task.WhenAll(pending), Task.Delay(Options.CloseTimeout * 2)).ConfigureAwait(false);
        await tracker.DisposeAsync().ConfigureAwait(false);
        SetState(ForwardState.Stopped, null, ForwardProblem.None);
        SetTarget(null);
    }

    /// <summary>Same as <see cref="StopAsync"/>. (The stop token is not disposed: late connection tasks may still read it.)</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(Options.RetryInitialDelay, Options.RetryMaxDelay);
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                backoff.Reset();
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. out of file descriptors: keep the port, report, and try again shortly.
                RecordError(null, $"accepting a connection: {ex.Message}", ForwardProblem.StreamBroke);
                await DelayAsync(backoff.Next(), cancellationToken).ConfigureAwait(false);
                continue;
            }

            var id = Interlocked.Increment(ref nextConnection);
            var connection = new ForwardConnection(accepted, client, tracker, Options, counters, OnConnectionError, OnDialSucceeded);
            connections[id] = Task.Run(async () =>
            {
                try
                {
                    await connection.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    connections.TryRemove(id, out _);
                }
            }, CancellationToken.None);
        }
    }

    private void OnConnectionError(string? pod, string error, ForwardProblem kind)
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        RecordError(pod, error, kind);
        ConnectionError?.Invoke(this, new ForwardConnectionErrorEventArgs(pod, error));
    }

    private void RecordError(string? pod, string error, ForwardProblem kind)
    {
        var startProbe = false;
        lock (gate)
        {
            lastError = error;
            lastErrorKind = kind;
            lastErrorAt = Options.Time.GetUtcNow();
            if (pod is null || error.StartsWith("opening a stream", StringComparison.Ordinal))
            {
                startProbe = dialFailure is null;
                dialFailure = error;
                dialFailureKind = kind;
            }
        }

        if (startProbe)
        {
            probeLoop = Task.Run(() => ProbeUntilAnswersAsync(stopping.Token));
        }

        Reevaluate();
    }

    private void OnDialSucceeded()
    {
        bool wasFailing;
        lock (gate)
        {
            wasFailing = dialFailure is not null;
            dialFailure = null;
        }

        if (wasFailing || tracker.View.ApiFailing)
        {
            // The API server answers again: refresh the pick now rather than at the next back-off tick.
            tracker.Kick();
            Reevaluate();
        }
    }

    /// <summary>While dials fail, asks the API server a cheap question with back-off; the first answer clears the failure.</summary>
    private async Task ProbeUntilAnswersAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(Options.RetryInitialDelay, Options.RetryMaxDelay);
        while (!cancellationToken.IsCancellationRequested)
        {
            lock (gate)
            {
                if (dialFailure is null)
                {
                    return;
                }
            }

            await DelayAsync(backoff.Next(), cancellationToken).ConfigureAwait(false);
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(Options.RequestTimeout);
                await client.CoreV1.ListNamespacedPodAsync(Options.Target.Namespace, limit: 1, cancellationToken: deadline.Token).ConfigureAwait(false);
                OnDialSucceeded();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Still down; the next probe backs off further (capped).
            }
        }
    }

    private void Reevaluate()
    {
        var view = tracker.View;
        string? failure;
        ForwardProblem failureKind;
        lock (gate)
        {
            if (state is ForwardState.Stopped or ForwardState.Error || stopping.IsCancellationRequested)
            {
                return;
            }

            failure = dialFailure;
            failureKind = dialFailureKind;
        }

        SetTarget(view.Pick?.Metadata?.Name);
        if (view.Pick is not null && view.Problem is null && failure is null)
        {
            SetState(ForwardState.Listening, null, ForwardProblem.None);
        }
        else if (view.Problem is not null)
        {
            SetState(ForwardState.Degraded, view.Problem, view.ApiFailing ? ForwardProblem.ClusterUnreachable : view.Problem == TrackerView.Initial.Problem ? ForwardProblem.None : ForwardProblem.NoReadyPod);
        }
        else
        {
            SetState(ForwardState.Degraded, failure, failure is null ? ForwardProblem.NoReadyPod : failureKind);
        }
    }

    private void SetState(ForwardState next, string? why, ForwardProblem kind)
    {
        ForwardState previous;
        lock (gate)
        {
            if (state == next && reason == why)
            {
                return;
            }

            if (state is ForwardState.Stopped || (state is ForwardState.Error && next is not ForwardState.Stopped))
            {
                return;
            }

            previous = state;
            state = next;
            reason = why;
            reasonKind = kind;
        }

        StateChanged?.Invoke(this, new ForwardStateChangedEventArgs(previous, next, why));
    }

    private void SetTarget(string? pod)
    {
        string? previous;
        lock (gate)
        {
            if (targetPod == pod)
            {
                return;
            }

            previous = targetPod;
            targetPod = pod;
        }

        TargetChanged?.Invoke(this, new ForwardTargetChangedEventArgs(previous, pod));
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
