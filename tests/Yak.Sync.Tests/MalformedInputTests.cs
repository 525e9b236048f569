using Yak.Sync.Scanning;
using Yak.Sync.Wire;

namespace Yak.Sync.Tests;

/// <summary>Malformed or oversized input is an <see cref="InvalidDataException"/>, bounded before it is allocated.</summary>
public sealed class MalformedInputTests
{
    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(Entry.MaxSize + 1)]
    public void ReadEntry_FileSizeOutOfRange_InvalidData(long size)
    {
        var writer = new PayloadWriter().String("a.txt").Byte((byte)EntryKind.File).Byte(0).VarLong(size).Digest(default);
        var payload = writer.Written.ToArray();

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new PayloadReader(payload);
            Messages.ReadEntry(ref reader);
        });
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadEntry_FileSizeAtTheLimit_Read()
    {
        var writer = new PayloadWriter().String("a.txt").Byte((byte)EntryKind.File).Byte(0).VarLong(Entry.MaxSize).Digest(default);
        var reader = new PayloadReader(writer.Written.Span);

        Assert.Equal(Entry.MaxSize, Messages.ReadEntry(ref reader).Entry.Size);
    }

    [Fact]
    public void ReadAll_FileLargerThanTheBound_RefusedBeforeReading()
    {
        using var stream = new MemoryStream(new byte[1000]);

        var error = Assert.Throws<InvalidDataException>(() => SnapshotReader.ReadAll(stream, maxBytes: 999));
        Assert.Contains("1000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public void ReadAll_UnseekableStreamThatDoesNotEnd_RefusedAtTheBound()
    {
        using var stream = new EndlessStream();

        Assert.Throws<InvalidDataException>(() => SnapshotReader.ReadAll(stream, maxBytes: 1 << 20));
        Assert.InRange(stream.Served, 1 << 20, (1 << 20) + (1 << 16)); // stopped one chunk past the bound
    }

    [Fact]
    public void ReadAll_UnseekableStreamWithinTheBound_ReadWhole()
    {
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        using var stream = new UnseekableStream(bytes);

        Assert.Equal(bytes, SnapshotReader.ReadAll(stream));
    }

    [Fact]
    public void ReadFrom_ClaimsMoreEntriesThanTheFileHolds_InvalidData()
    {
        using var buffer = new MemoryStream();
        new Snapshot { Entries = { ["a.txt"] = new Entry(EntryKind.File, 5, 1, 1, false, default, null) } }.WriteTo(buffer);
        var bytes = buffer.ToArray();
        BitConverter.TryWriteBytes(bytes.AsSpan(8), int.MaxValue); // the count after magic and version

        Assert.Throws<InvalidDataException>(() => Snapshot.ReadFrom(new MemoryStream(bytes)));
    }

    private sealed class EndlessStream : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)0x5A, offset, count);
            Served += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
