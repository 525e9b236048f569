using System.Runtime.CompilerServices;

namespace Yak.Sync.Delta;

/// <summary>
/// rsync's weak checksum (checksum.c get_checksum1 with CHAR_OFFSET 0): s1 = Σx, s2 = Σ(n−i)·x, value = s1 + 2¹⁶·s2,
/// both halves mod 2¹⁶. It rolls one byte in O(1).
/// </summary>
public struct RollingChecksum
{
    private uint s1;
    private uint s2;
    private readonly int length;

    private RollingChecksum(uint s1, uint s2, int length)
    {
        this.s1 = s1;
        this.s2 = s2;
        this.length = length;
    }

    public readonly uint Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (s1 & 0xFFFF) | (s2 << 16);
    }

    public static RollingChecksum Of(ReadOnlySpan<byte> window)
    {
        uint a = 0, b = 0;
        var n = window.Length;
        for (var i = 0; i < n; i++)
        {
            a += window[i];
            b += a;
        }

        return new RollingChecksum(a, b, n);
    }

    public static uint Compute(ReadOnlySpan<byte> window) => Of(window).Value;

    /// <summary>Slides the window one byte: <paramref name="outgoing"/> leaves at the front, <paramref name="incoming"/> enters at the back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Roll(byte outgoing, byte incoming)
    {
        s1 = s1 - outgoing + incoming;
        s2 = s2 - ((uint)length * outgoing) + s1;
    }
}
