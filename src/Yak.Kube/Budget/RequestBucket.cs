namespace Yak.Kube.Budget;

/// <summary>
/// A token bucket as client-go's rate limiter: each request takes a token; when none is left it waits for the next
/// one instead of being refused. Reservations are made under a lock, so concurrent callers queue fairly in order.
/// </summary>
public sealed class RequestBucket(double perSecond, int burst, TimeProvider time)
{
    private readonly Lock gate = new();
    private double tokens = burst;
    private long refilled = time.GetTimestamp();

    /// <summary>Takes a token and returns how long to wait before using it (zero when one was there).</summary>
    public TimeSpan Reserve()
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            tokens = Math.Min(burst, tokens + (time.GetElapsedTime(refilled, now).TotalSeconds * perSecond));
            refilled = now;
            tokens -= 1;
            return tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-tokens / perSecond);
        }
    }
}
