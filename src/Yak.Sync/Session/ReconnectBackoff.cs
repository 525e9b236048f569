namespace Yak.Sync.Session;

/// <summary>
/// How long the session waits before it connects again. A link that worked (it served a pass) and stayed up a while
/// broke for a reason of its own — a laptop's sleep, a dropped stream, a replaced pod — so the first retry is at once;
/// only failures in a row back off (doubling from 200 ms, jittered, up to the ceiling), so a link that breaks as soon as
/// it is up does not spin. Before, the count of failures was never reset by a good link: every drop in a session's
/// life doubled the wait of the next one (the tenth sleep of a day waited seconds before it reconnected).
/// </summary>
public sealed class ReconnectBackoff(TimeSpan ceiling, TimeProvider time)
{
    /// <summary>How long a link must have been up (from its first pass) for its end to count as a fresh start.</summary>
    public static readonly TimeSpan StableLink = TimeSpan.FromSeconds(2);

    private int failures;
    private long? workingSince;
    private volatile bool atOnce;

    /// <summary>Failures in a row since the last link that worked.</summary>
    public int Failures => failures;

    /// <summary>The link served its first pass.</summary>
    public void Working() => workingSince = time.GetTimestamp();

    /// <summary>The link is being broken on purpose (after a sleep): its failure reconnects at once (any thread).</summary>
    public void ReconnectAtOnce() => atOnce = true;

    /// <summary>The link (or the attempt to open one) failed: the wait before the next attempt.</summary>
    /// <param name="fatal">The agent can never answer as things are (protocol mismatch): wait the ceiling.</param>
    public TimeSpan Failed(bool fatal)
    {
        var stable = (workingSince is { } since && time.GetElapsedTime(since) >= StableLink) || atOnce;
        workingSince = null;
        atOnce = false;
        if (fatal)
        {
            failures++;
            return Jittered(ceiling.TotalMilliseconds);
        }

        if (stable)
        {
            failures = 0;
            return TimeSpan.Zero;
        }

        failures++;
        return Jittered(Math.Min(ceiling.TotalMilliseconds, 200 * Math.Pow(2, Math.Min(failures - 1, 16))));
    }

    private static TimeSpan Jittered(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds * (0.5 + (Random.Shared.NextDouble() * 0.5)));
}
