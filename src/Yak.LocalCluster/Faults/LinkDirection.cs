namespace Yak.LocalCluster.Faults;

/// <summary>
/// One direction of the emulated link: a token bucket every connection draws from (bandwidth), plus the accounting
/// tests read: bytes carried, and the least and most one-way delay given to a chunk.
/// </summary>
public sealed class LinkDirection
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Random _random = new();
    private DateTimeOffset _lineFreeAt = DateTimeOffset.MinValue;

    internal LinkDirection(TimeProvider time) => _time = time;

    /// <summary>Bytes that crossed this direction while a profile was set.</summary>
    public long Bytes { get; private set; }

    /// <summary>Chunks that crossed (each at most <see cref="LinkShaper.ChunkBytes"/>).</summary>
    public long Chunks { get; private set; }

    /// <summary>The smallest and largest delay (queueing for bandwidth + latency + jitter) planned for a chunk.</summary>
    public TimeSpan MinDelay { get; private set; } = TimeSpan.MaxValue;

    public TimeSpan MaxDelay { get; private set; }

    /// <summary>
    /// The most bytes released within any <see cref="LinkShaper.Window"/> (the shaper's own schedule, not a clock
    /// reading): at most rate × window + one burst while the profile holds.
    /// </summary>
    public long MaxBytesPerWindow { get; private set; }

    private readonly Queue<(DateTimeOffset At, int Bytes)> _recent = new();
    private long _recentBytes;

    /// <summary>
    /// Plans a chunk of <paramref name="bytes"/> that arrived now: when it leaves the line (after the chunks before it,
    /// at the profile's rate) and when it reaches the other end (plus latency ± jitter, never before an earlier chunk).
    /// </summary>
    internal (DateTimeOffset SentAt, DateTimeOffset DeliverAt) Plan(LinkProfile profile, int bytes, DateTimeOffset previousDelivery)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var bytesPerSecond = Math.Max(1, profile.BitsPerSecond / 8.0);
            // An idle line may send one burst at once; after that, chunks queue behind each other at line rate.
            var burstCredit = TimeSpan.FromSeconds(profile.BurstBytes / bytesPerSecond);
            var start = _lineFreeAt < now - burstCredit ? now - burstCredit : _lineFreeAt;
            var sent = start + TimeSpan.FromSeconds(bytes / bytesPerSecond);
            _lineFreeAt = sent;
            if (sent < now)
            {
                sent = now;
            }

            var jitter = profile.Jitter > TimeSpan.Zero
                ? TimeSpan.FromTicks((long)((_random.NextDouble() * 2 - 1) * profile.Jitter.Ticks))
                : TimeSpan.Zero;
            var oneWay = profile.Latency + jitter;
            var deliver = sent + (oneWay > TimeSpan.Zero ? oneWay : TimeSpan.Zero);
            if (deliver < previousDelivery)
            {
                deliver = previousDelivery;
            }

            Account(sent, bytes, deliver - now);
            return (sent, deliver);
        }
    }

    private void Account(DateTimeOffset sent, int bytes, TimeSpan delay)
    {
        Bytes += bytes;
        Chunks++;
        MinDelay = delay < MinDelay ? delay : MinDelay;
        MaxDelay = delay > MaxDelay ? delay : MaxDelay;
        _recent.Enqueue((sent, bytes));
        _recentBytes += bytes;
        while (_recent.Count > 0 && _recent.Peek().At <= sent - LinkShaper.Window)
        {
            _recentBytes -= _recent.Dequeue().Bytes;
        }

        MaxBytesPerWindow = Math.Max(MaxBytesPerWindow, _recentBytes);
    }

    internal void Reset()
    {
        lock (_lock)
        {
            Bytes = 0;
            Chunks = 0;
            MinDelay = TimeSpan.MaxValue;
            MaxDelay = TimeSpan.Zero;
            MaxBytesPerWindow = 0;
            _recent.Clear();
            _recentBytes = 0;
            _lineFreeAt = DateTimeOffset.MinValue;
        }
    }
}
