namespace Yak.Daemon.Kube;

/// <summary>What <see cref="WakeDetector.Woke"/> reports.</summary>
/// <param name="Gap">How long yakd did not run (the longer of the two clocks' gaps).</param>
/// <param name="AsleepSince">The monotonic timestamp of the last tick before the sleep: what was opened before it may be dead.</param>
internal readonly record struct WakeEvent(TimeSpan Gap, long AsleepSince);

/// <summary>
/// Notices that yakd did not run for a while, from a short timer: after a laptop's suspend the wall clock has jumped
/// past the monotonic one (which stands still in suspend); after a SIGSTOP, or a suspend the monotonic clock counted,
/// the tick simply comes late. Streams and watches that died meanwhile without a FIN (the Wi-Fi changed, a NAT forgot
/// the connection) would otherwise be noticed only when a keep-alive or a write times out; whoever owns them
/// subscribes to <see cref="Woke"/> and replaces them at once.
/// </summary>
internal sealed class WakeDetector : IDisposable
{
    /// <summary>How often the clocks are compared (one timer for the whole daemon).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    /// <summary>A tick this late counts as a sleep: longer than any pause of a loaded machine's thread pool.</summary>
    public static readonly TimeSpan Late = TimeSpan.FromSeconds(5);

    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly ITimer? timer;
    private readonly Thread? ticker;
    private readonly ManualResetEventSlim disposed = new(false, spinCount: 0);
    private long lastTick;
    private DateTimeOffset lastWall;
    private int ticks;

    public WakeDetector(TimeProvider time)
    {
        this.time = time;
        lastTick = time.GetTimestamp();
        lastWall = time.GetUtcNow();
        if (time == TimeProvider.System)
        {
            // A thread of its own that sleeps between ticks: a pool timer woke the timer thread twice, two pool workers
            // and kept the pool's gate thread polling every 500 ms — about six wake-ups a second of an otherwise idle
            // daemon, each ~0.25 ms of CPU in a VM (README, idle). Its wait runs on the monotonic clock, as the
            // timer's did, so a suspend is seen at most one period after the wake and a SIGSTOP at once.
            ticker = new Thread(TickUntilDisposed, maxStackSize: 64 * 1024) { IsBackground = true, Name = "yak wake" };
            ticker.Start();
        }
        else
        {
            timer = time.CreateTimer(_ => TickAndRaise(), null, Period, Period);
        }
    }

    /// <summary>Raised on a pool thread once per sleep; handlers must not block.</summary>
    public event Action<WakeEvent>? Woke;

    /// <summary>Ticks so far, for tests of the system clock's thread.</summary>
    internal int Ticks => Volatile.Read(ref ticks);

    /// <summary>Whether the system clock's thread still runs, for tests.</summary>
    internal bool IsTicking => ticker?.IsAlive ?? false;

    public void Dispose()
    {
        timer?.Dispose();
        disposed.Set();
        if (ticker is not null && ticker != Thread.CurrentThread)
        {
            ticker.Join();
        }
    }

    private void TickUntilDisposed()
    {
        while (!disposed.Wait(Period))
        {
            if (Tick() is { } happened)
            {
                // The handlers cancel links and watches, whose awaiting code may then run inline: on a pool thread, as
                // under the timer, not on this small-stacked one.
                ThreadPool.QueueUserWorkItem(woke => Woke?.Invoke(woke), happened, preferLocal: false);
            }
        }
    }

    private void TickAndRaise()
    {
        if (Tick() is { } happened)
        {
            Woke?.Invoke(happened);
        }
    }

    private WakeEvent? Tick()
    {
        Interlocked.Increment(ref ticks);
        WakeEvent? woke = null;
        lock (gate)
        {
            var now = time.GetTimestamp();
            var wall = time.GetUtcNow();
            var monotonicGap = time.GetElapsedTime(lastTick, now);
            var wallGap = wall - lastWall;
            var gap = wallGap > monotonicGap ? wallGap : monotonicGap;
            if (gap >= Period + Late)
            {
                woke = new WakeEvent(gap, lastTick);
            }

            lastTick = now;
            lastWall = wall;
        }

        return woke;
    }
}
