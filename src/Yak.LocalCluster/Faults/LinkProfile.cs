namespace Yak.LocalCluster.Faults;

/// <summary>
/// A network link to emulate between clients and the API server: serialisation at <see cref="BitsPerSecond"/> shared
/// by every connection in each direction, and a one-way delay of <see cref="Latency"/> ± <see cref="Jitter"/> per
/// direction (so a round trip costs twice the latency).
/// </summary>
public sealed record LinkProfile(long BitsPerSecond, TimeSpan Latency, TimeSpan Jitter)
{
    /// <summary>The most bytes sent at line rate in one go after an idle period (a link's queue, not a bonus rate).</summary>
    public int BurstBytes => (int)Math.Clamp(BitsPerSecond / 8 / 100, 1500, 1 << 20);
}
