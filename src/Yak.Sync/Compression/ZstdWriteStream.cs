using System.Buffers;
using ZstdSharp;

namespace Yak.Sync.Compression;

/// <summary>
/// One zstd stream over a whole link (write side): every frame shares the compressor's window, so a tree of small
/// files compresses like a tarball, not file by file. <see cref="Flush"/> ends the current zstd block (ZSTD_e_flush,
/// not the frame: the window survives) and flushes the inner stream, so whatever was written is decodable on the far
/// side at once — a save still travels alone, without waiting for more data. Disposing frees the compressor only;
/// the inner stream belongs to the caller. Not thread-safe (the frame writer serialises its calls).
/// Given a <see cref="LinkLevelPolicy"/>, the level follows the rate data leaves at: each write's compressing and the
/// time since the previous write are timed, and a change ends the zstd frame (a level applies from a frame's start;
/// the reader decodes frame after frame), so the new level starts with an empty window — a few KiB of ratio, once per
/// change. A write after a pause of <see cref="LinkLevelPolicy.BurstGapSeconds"/> or more starts a new burst.
/// </summary>
public sealed class ZstdWriteStream : Stream
{
    private readonly Stream inner;
    private readonly Compressor compressor;
    private readonly byte[] output = new byte[1 << 17];
    private readonly LinkLevelPolicy? policy;
    private readonly Func<double?>? idleCores;
    private readonly Func<bool>? waitingOnPeer;
    private readonly TimeProvider clock = TimeProvider.System;
    private long lastCompressEnd;
    private long lastActivity;
    private int disposed;

    public ZstdWriteStream(Stream inner, int level = ChunkCodec.DefaultLevel)
    {
        this.inner = inner;
        compressor = new Compressor(level);
        Level = level;
    }

    /// <summary>
    /// A stream whose level <paramref name="policy"/> picks as it goes, asking <paramref name="idleCores"/> how much CPU
    /// is spare; <paramref name="time"/> times the writes and the pauses between them (the system's clock by default).
    /// <paramref name="waitingOnPeer"/> says whether what was sent is still unacknowledged: a pause then is the link or
    /// the receiver holding the sender back, part of the burst, not the end of it.
    /// </summary>
    public ZstdWriteStream(Stream inner, LinkLevelPolicy policy, Func<double?>? idleCores = null, TimeProvider? time = null, Func<bool>? waitingOnPeer = null)
        : this(inner, policy.Level)
    {
        this.policy = policy;
        this.idleCores = idleCores;
        this.waitingOnPeer = waitingOnPeer;
        clock = time ?? TimeProvider.System;
    }

    /// <summary>Compressed bytes handed to the inner stream.</summary>
    public long BytesOut { get; private set; }

    /// <summary>The level of the current frame.</summary>
    public int Level { get; private set; }

    /// <summary>How many times the level changed (each ended a frame).</summary>
    public int LevelChanges { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (ResumeAfterPause() is { } resumed)
        {
            EndFrame();
            SetLevel(resumed);
        }

        while (!buffer.IsEmpty)
        {
            var started = Now();
            var written = Compress(buffer, out var consumed);
            buffer = buffer[consumed..];
            var compressed = Now();
            Emit(written);
            if (Adapt(consumed, started, compressed) is { } level)
            {
                EndFrame();
                SetLevel(level);
            }
        }

        MarkActivity();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (ResumeAfterPause() is { } resumed)
        {
            await EndFrameAsync(cancellationToken).ConfigureAwait(false);
            SetLevel(resumed);
        }

        while (!buffer.IsEmpty)
        {
            var started = Now();
            var written = Compress(buffer.Span, out var consumed);
            buffer = buffer[consumed..];
            var compressed = Now();
            await EmitAsync(written, cancellationToken).ConfigureAwait(false);
            if (Adapt(consumed, started, compressed) is { } level)
            {
                await EndFrameAsync(cancellationToken).ConfigureAwait(false);
                SetLevel(level);
            }
        }

        MarkActivity();
    }

    /// <summary>
    /// Ends the current frame and starts the next one at <paramref name="level"/>: what the policy does, for a caller
    /// that knows better (and for tests, which cannot make a link slow deterministically).
    /// </summary>
    public void ChangeLevel(int level)
    {
        EndFrame();
        SetLevel(level);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        bool more;
        do
        {
            more = FlushStep(out var written);
            Emit(written);
        }
        while (more);

        inner.Flush();
        MarkActivity();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        bool more;
        do
        {
            more = FlushStep(out var written);
            await EmitAsync(written, cancellationToken).ConfigureAwait(false);
        }
        while (more);

        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        MarkActivity();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref disposed, 1) == 0)
        {
            compressor.Dispose();
        }

        base.Dispose(disposing);
    }

    // A plain stream (no policy) times nothing: no clock read per write.
    private long Now() => policy is null ? 0 : clock.GetTimestamp();

    private void MarkActivity()
    {
        if (policy is not null)
        {
            lastActivity = clock.GetTimestamp();
        }
    }

    /// <summary>The level to switch to when the pause since the last write or flush ended a burst, else null.</summary>
    private int? ResumeAfterPause()
    {
        // A first sync waits seconds at a time for acknowledgements once its window is full (measured on 50 Mbit/s: 1.2 s
        // stalls that took the level from 6 back to 1 mid-sync); that wait is link time and stays in the window's span.
        if (policy is null || lastActivity == 0 || waitingOnPeer?.Invoke() == true
            || !policy.Resume(clock.GetElapsedTime(lastActivity).TotalSeconds))
        {
            return null;
        }

        // The pause was the sender's, not the link's: the new burst's first span starts at its first write.
        lastCompressEnd = 0;
        return policy.Level != Level ? policy.Level : null;
    }

    private int? Adapt(int consumed, long started, long compressed)
    {
        if (policy is null)
        {
            return null;
        }

        // Consecutive spans from one compress's end to the next: a window's spans add up to its wall time, waits included.
        var since = lastCompressEnd == 0 ? started : lastCompressEnd;
        lastCompressEnd = compressed;
        return policy.Record(consumed, clock.GetElapsedTime(started, compressed).TotalSeconds, clock.GetElapsedTime(since, compressed).TotalSeconds, idleCores);
    }

    private void SetLevel(int level)
    {
        compressor.Level = level;
        Level = level;
        LevelChanges++;
    }

    private void EndFrame()
    {
        bool more;
        do
        {
            more = EndFrameStep(out var written);
            Emit(written);
        }
        while (more);
    }

    private async ValueTask EndFrameAsync(CancellationToken cancellationToken)
    {
        bool more;
        do
        {
            more = EndFrameStep(out var written);
            await EmitAsync(written, cancellationToken).ConfigureAwait(false);
        }
        while (more);
    }

    /// <returns>True while the compressor still holds the frame's end.</returns>
    private bool EndFrameStep(out int written)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        return compressor.FlushStream(output, out written, isFinalBlock: true) == OperationStatus.DestinationTooSmall;
    }

    private int Compress(ReadOnlySpan<byte> input, out int consumed)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        compressor.WrapStream(input, output, out consumed, out var written, isFinalBlock: false);
        if (consumed == 0 && written == 0)
        {
            throw new InvalidOperationException("zstd made no progress on the link stream");
        }

        return written;
    }

    /// <returns>True while the compressor still holds data (its output buffer was too small for all of it).</returns>
    private bool FlushStep(out int written)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        return compressor.FlushStream(output, out written) == OperationStatus.DestinationTooSmall;
    }

    private void Emit(int written)
    {
        if (written > 0)
        {
            inner.Write(output, 0, written);
            BytesOut += written;
        }
    }

    private async ValueTask EmitAsync(int written, CancellationToken cancellationToken)
    {
        if (written > 0)
        {
            await inner.WriteAsync(output.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
            BytesOut += written;
        }
    }
}
