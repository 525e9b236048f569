namespace Yak.Forwarding;

/// <summary>One forward: local port → target's port, and the deadlines and retry policy that keep it healthy.</summary>
public sealed record PortForwardOptions
{
    /// <summary>What to forward to.</summary>
    public required ForwardTarget Target { get; init; }

    /// <summary>The port inside the pod (for a Service target: a service port whose targetPort is used, else the pod port).</summary>
    public required int RemotePort { get; init; }

    /// <summary>The port on 127.0.0.1; 0 picks a free one (read it from <see cref="PortForward.LocalPort"/>).</summary>
    public int LocalPort { get; init; }

    /// <summary>Deadline for opening one port-forward stream (the WebSocket upgrade).</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline for a graceful close of a stream; after it the stream is aborted (a hung close never holds anything).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a fresh local connection may wait for a working stream (no Ready pod yet, dial failures, refused
    /// remote port) before it is reset. Retries within it back off exponentially with jitter.
    /// </summary>
    public TimeSpan ConnectBudget { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>First retry delay (dials, the pod watch); doubles each time, with jitter.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap of the retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Deadline of each list/get request of the pod watch (watches themselves are long-lived).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Server-side timeout of one watch request; the watch then resumes from its resourceVersion.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// After the local client half-closes (EOF), how long the pod may stay silent before the stream is closed. The
    /// port-forward protocol cannot pass a half-close on, so this is how "request sent, answer read to EOF" ends.
    /// </summary>
    public TimeSpan HalfCloseIdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>TCP keep-alive idle time on accepted local sockets.</summary>
    public TimeSpan LocalKeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Copy buffer per direction per connection.</summary>
    public int BufferSize { get; init; } = 128 * 1024;

    /// <summary>
    /// Largest payload of one WebSocket message sent to the pod. Servers handle a message as a unit (the local
    /// cluster copies each into its own array), so moderate messages keep them fast; tuned by the forward benchmark.
    /// </summary>
    public int MaxMessagePayload { get; init; } = 64_000;

    /// <summary>Client bytes kept for a transparent retry while the pod has not answered yet (beyond it, no retry).</summary>
    public int ReplayLimit { get; init; } = 64 * 1024;

    /// <summary>Pending connections the listener queues.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>The clock for connect budgets, idle timeouts and error times (tests may pass their own).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Target);
        ArgumentOutOfRangeException.ThrowIfLessThan(RemotePort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RemotePort, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(LocalPort, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LocalPort, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DialTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessagePayload, 1024);
    }
}
