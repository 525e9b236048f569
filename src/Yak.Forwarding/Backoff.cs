namespace Yak.Forwarding;

/// <summary>Exponential back-off with full jitter in [d/2, d], capped; <see cref="Reset"/> after a success.</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int attempt;

    public int Attempt => attempt;

    public TimeSpan Next()
    {
        var exponent = Math.Min(attempt, 20);
        attempt++;
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        var jittered = (ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2);
        return TimeSpan.FromMilliseconds(jittered);
    }

    public void Reset() => attempt = 0;
}
