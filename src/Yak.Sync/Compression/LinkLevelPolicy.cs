namespace Yak.Sync.Compression;

/// <summary>
/// Picks the link stream's zstd level by what compressing costs at the rate data actually leaves: the highest level
/// whose compressing fits in <see cref="UpShare"/> of one core at the input rate of the last window. Where the link
/// is slow (50 Mbit/s: ~20 MB/s of source text leaves), a higher level costs a fraction of a core that would idle
/// anyway and every byte it saves is link time saved; where the data leaves fast (a pod on the same machine, 1 Gbit/s)
/// the rate is high, so level 1 stays. Whatever holds the data up — the link, the agent's acknowledgements, the disk —
/// the compressor's share of a core stays bounded by construction. And it only climbs while the machine has that CPU
/// to spare (idle cores, where the system says): a pod on the laptop's own local cluster is CPU-bound on the agent
/// and the API server's proxy, and level 3 there took CPU they needed (unshaped loopback, one round each: 5.54 s at
/// level 1, 7.36 s when it climbed; 64.40 → 61.00 MiB). Where the CPU is saturated it steps back down.
/// The idea of zstd's own <c>--adapt</c> (programs/fileio.c), which watches the output for the same reason; the daemon
/// cannot: with 1,024 requests in flight the link's buffers (and the local cluster's shaper, 4 MiB) absorb a whole ack
/// window, so writes rarely block — measured: a send-time rule never left level 1 on the 50 Mbit/s benchmark.
/// </summary>
/// <remarks>
/// ZstdSharp 0.8.8 on a source-like tree (tests/Yak.Benchmarks' generator, 40 MB): level 1 compresses at ~230 MB/s to
/// 0.905 × gzip -1's bytes, level 3 at ~180 MB/s to 0.872 ×, level 6 at ~60 MB/s to 0.854 ×. Pure: times come in as
/// numbers, so the decisions are tested without a clock.
/// </remarks>
public sealed class LinkLevelPolicy
{
    /// <summary>The ladder, and what each step costs in compression time relative to the step below (measured above).</summary>
    private static readonly (int Level, double CostOverPrevious)[] Ladder = [(1, 1.0), (3, 1.3), (6, 3.0)];

    /// <summary>Input per decision: a few decisions a second on a slow link, ~25 in a 200 MB first sync.</summary>
    public const long WindowBytes = 8L << 20;

    /// <summary>Step up when the next level would still compress in at most this share of the window's time.</summary>
    public const double UpShare = 0.5;

    /// <summary>Step down when compressing took more than this share of the window's time (hysteresis against UpShare).</summary>
    public const double DownShare = 0.8;

    /// <summary>Idle cores that must remain beside what the next level adds before climbing.</summary>
    public const double SpareCores = 0.5;

    /// <summary>Below this many idle cores the machine is saturated: step down, the CPU is needed elsewhere.</summary>
    public const double SaturatedCores = 0.15;

    /// <summary>
    /// A pause without writes at least this long ends a burst. Between bursts the sender had nothing to send, which says
    /// nothing about the link: a developer's saves minutes apart would otherwise add up to windows of mostly idle time
    /// (a low rate, idle cores) and climb, and the next big burst on a fast link would start at the top of the ladder.
    /// Within a burst the sender waits on the link or on acknowledgements for milliseconds at a time, not seconds.
    /// </summary>
    public const double BurstGapSeconds = 1.0;

    private int step;
    private long windowInput;
    private double windowCompressSeconds;
    private double windowSeconds;

    public int Level => Ladder[step].Level;

    public static int StartLevel => Ladder[0].Level;

    public static int HighestLevel => Ladder[^1].Level;

    /// <summary>
    /// Adds one write: <paramref name="input"/> bytes compressed in <paramref name="compressSeconds"/>, within
    /// <paramref name="elapsedSeconds"/> since the previous write began (compressing, sending and whatever the sender
    /// waited on in between). When a window ends, <paramref name="idleCores"/> is asked for the machine's idle cores
    /// over it (null: unknown, the rate alone decides). Returns the level to use from now on when a window ends with a
    /// change, else null.
    /// </summary>
    public int? Record(long input, double compressSeconds, double elapsedSeconds, Func<double?>? idleCores = null)
    {
        windowInput += input;
        windowCompressSeconds += compressSeconds;
        windowSeconds += elapsedSeconds;
        if (windowInput < WindowBytes)
        {
            return null;
        }

        var share = windowSeconds > 0 ? windowCompressSeconds / windowSeconds : 1;
        windowInput = 0;
        windowCompressSeconds = 0;
        windowSeconds = 0;
        var next = Decide(step, share, idleCores?.Invoke());
        if (next == step)
        {
            return null;
        }

        step = next;
        return Level;
    }

    /// <summary>
    /// Called before a write that follows <paramref name="pausedSeconds"/> without one. Returns true when the pause ended
    /// a burst: the window starts over and the level returns to the bottom of the ladder (it was measured on a burst
    /// that is over), so each burst climbs on its own rate. The caller leaves the pause out of the next write's elapsed time.
    /// </summary>
    public bool Resume(double pausedSeconds)
    {
        if (pausedSeconds < BurstGapSeconds)
        {
            return false;
        }

        windowInput = 0;
        windowCompressSeconds = 0;
        windowSeconds = 0;
        step = 0;
        return true;
    }

    private static int Decide(int step, double share, double? idle)
    {
        if (step + 1 < Ladder.Length && share * Ladder[step + 1].CostOverPrevious <= UpShare
            && (idle is null || idle >= (share * (Ladder[step + 1].CostOverPrevious - 1)) + SpareCores))
        {
            return step + 1;
        }

        return step > 0 && (share > DownShare || idle < SaturatedCores) ? step - 1 : step;
    }
}
