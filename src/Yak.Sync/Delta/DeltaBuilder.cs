namespace Yak.Sync.Delta;

/// <summary>Receives the delta as it is found: copies of basis blocks and literal bytes, in order.</summary>
public interface IDeltaSink
{
    void Copy(int firstBlock, int blockCount);

    void Literal(ReadOnlySpan<byte> data);
}

/// <summary>
/// The rsync search: a window the size of a basis block slides over the new content one byte at a time; the rolling
/// weak checksum is looked up at each position and the strong hash is computed only on a weak hit. The new content is
/// streamed through a bounded buffer, so a file of any size is diffed in constant memory.
/// </summary>
public static class DeltaBuilder
{
    /// <summary>Largest literal handed to the sink at once (also bounds the buffer).</summary>
    public const int MaxLiteral = 64 * 1024;

    /// <param name="observe">Sees every byte of the new content exactly once, in order (hash it, sign it).</param>
    public static void Build(Stream content, Signature basis, IDeltaSink sink, Action<ReadOnlySpan<byte>>? observe = null)
    {
        var bs = basis.BlockSize;
        if (basis.Count == 0)
        {
            CopyAllAsLiteral(content, sink, observe);
            return;
        }

        var index = new BlockIndex(basis, includeShortTail: false);
        var tailBlock = basis.Count - 1;
        var tailLength = basis.LengthOf(tailBlock);
        var buffer = new byte[MaxLiteral + (2 * bs) + (1 << 18)];
        int end = 0, p = 0, literalStart = 0;
        var eof = false;
        var rolling = default(RollingChecksum);
        var rollingValid = false;
        var lastMatch = -2;

        while (true)
        {
            if (end - p <= bs && !eof)
            {
                // Keep the pending literal and the window; make room and read more.
                if (literalStart > 0)
                {
                    Buffer.BlockCopy(buffer, literalStart, buffer, 0, end - literalStart);
                    end -= literalStart;
                    p -= literalStart;
                    literalStart = 0;
                }

                while (end < buffer.Length)
                {
                    var read = content.Read(buffer, end, buffer.Length - end);
                    if (read == 0)
                    {
                        eof = true;
                        break;
                    }

                    observe?.Invoke(buffer.AsSpan(end, read));
                    end += read;
                }

                continue;
            }

            if (end - p < bs)
            {
                // The tail, shorter than a block: it can only match the basis's short last block.
                var rest = end - p;
                if (rest > 0 && rest == tailLength && tailLength != bs)
                {
                    var tail = buffer.AsSpan(p, rest);
                    if (RollingChecksum.Compute(tail) == basis.Weak[tailBlock] && Signature.StrongHash(tail) == basis.Strong[tailBlock])
                    {
                        Flush(sink, buffer, literalStart, p);
                        sink.Copy(tailBlock, 1);
                        return;
                    }
                }

                Flush(sink, buffer, literalStart, end);
                return;
            }

            if (!rollingValid)
            {
                rolling = RollingChecksum.Of(buffer.AsSpan(p, bs));
                rollingValid = true;
            }

            var match = FindMatch(index, basis, rolling.Value, buffer.AsSpan(p, bs), lastMatch + 1);
            if (match >= 0)
            {
                Flush(sink, buffer, literalStart, p);
                sink.Copy(match, 1);
                lastMatch = match;
                p += bs;
                literalStart = p;
                rollingValid = false;
                continue;
            }

            if (end - p == bs)
            {
                // No byte to roll in yet: either refill (not eof) or the loop ends with the literal tail.
                if (eof)
                {
                    Flush(sink, buffer, literalStart, end);
                    return;
                }

                continue;
            }

            rolling.Roll(buffer[p], buffer[p + bs]);
            p++;
            if (p - literalStart >= MaxLiteral)
            {
                Flush(sink, buffer, literalStart, p);
                literalStart = p;
            }
        }
    }

    private static int FindMatch(BlockIndex index, Signature basis, uint weak, ReadOnlySpan<byte> window, int preferred)
    {
        var candidate = index.First(weak);
        if (candidate < 0)
        {
            return -1;
        }

        var strong = Signature.StrongHash(window);
        var found = -1;
        for (; candidate >= 0; candidate = index.Next(candidate, weak))
        {
            if (basis.Strong[candidate] != strong)
            {
                continue;
            }

            if (candidate == preferred)
            {
                return candidate;
            }

            if (found < 0)
            {
                found = candidate;
            }
        }

        return found;
    }

    private static void Flush(IDeltaSink sink, byte[] buffer, int from, int to)
    {
        for (var at = from; at < to; at += MaxLiteral)
        {
            sink.Literal(buffer.AsSpan(at, Math.Min(MaxLiteral, to - at)));
        }
    }

    private static void CopyAllAsLiteral(Stream content, IDeltaSink sink, Action<ReadOnlySpan<byte>>? observe)
    {
        var buffer = new byte[MaxLiteral];
        int read;
        while ((read = content.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            observe?.Invoke(buffer.AsSpan(0, read));
            sink.Literal(buffer.AsSpan(0, read));
        }
    }
}
