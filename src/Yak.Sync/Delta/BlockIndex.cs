using System.Numerics;
using System.Runtime.CompilerServices;

namespace Yak.Sync.Delta;

/// <summary>Weak checksum → candidate blocks: an open hash of bucket heads with chains, cheap enough to probe at every byte.</summary>
internal sealed class BlockIndex
{
    private readonly int[] heads;
    private readonly int[] next;
    private readonly uint[] weak;
    private readonly int shift;

    public BlockIndex(Signature signature, bool includeShortTail)
    {
        weak = signature.Weak;
        var buckets = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1024, signature.Count * 2));
        shift = 32 - BitOperations.Log2((uint)buckets);
        heads = new int[buckets];
        next = new int[signature.Count];
        Array.Fill(heads, -1);

        // Inserted in reverse so chains list blocks in file order.
        for (var i = signature.Count - 1; i >= 0; i--)
        {
            if (!includeShortTail && signature.LengthOf(i) != signature.BlockSize)
            {
                next[i] = -1;
                continue;
            }

            var bucket = Bucket(weak[i]);
            next[i] = heads[bucket];
            heads[bucket] = i;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int First(uint value)
    {
        var i = heads[Bucket(value)];
        while (i >= 0 && weak[i] != value)
        {
            i = next[i];
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int block, uint value)
    {
        var i = next[block];
        while (i >= 0 && weak[i] != value)
        {
            i = next[i];
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(uint value) => (int)((value * 0x9E3779B1u) >> shift);
}
