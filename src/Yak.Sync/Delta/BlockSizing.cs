namespace Yak.Sync.Delta;

/// <summary>
/// Block size for the rsync signature: √(24·length) (Tridgell's optimum for a single change, also Mutagen's rule),
/// rounded up to a multiple of 8 and clamped to [<see cref="Min"/>, <see cref="Max"/>]. The floor keeps small files
/// from paying 12 signature bytes per few dozen bytes; the ceiling is rsync's (protocol ≥ 30), reached only past
/// ~700 MB, so one changed line in a 50 MB file costs about one 35 KiB block of literal data.
/// </summary>
public static class BlockSizing
{
    public const int Min = 512;
    public const int Max = 128 * 1024;

    /// <summary>Files up to this size are always sent whole: a signature and copy ops do not pay for themselves.</summary>
    public const long WholeFileThreshold = 16 * 1024;

    public static int For(long length)
    {
        if (length <= 0)
        {
            return Min;
        }

        var ideal = Math.Sqrt(24.0 * length);
        var rounded = (long)Math.Ceiling(ideal / 8.0) * 8;
        return (int)Math.Clamp(rounded, Min, Max);
    }
}
