using System.Text;
using Microsoft.Extensions.Time.Testing;
using Yak.Sync.Compression;

namespace Yak.Sync.Tests;

/// <summary>The daemon's side of a compressed link, read back through the agent's side (LinkCompression.Reader).</summary>
public sealed class ZstdWriteStreamTests
{
    [Fact]
    public async Task ChangeLevel_MidStream_ReaderDecodesEveryFrameInOrder()
    {
        var first = SourceLikeText(seed: 1, 700_000);
        var second = SourceLikeText(seed: 2, 900_000);
        var wire = new MemoryStream();
        await using (var link = new ZstdWriteStream(wire))
        {
            await link.WriteAsync(first);
            await link.FlushAsync();
            link.ChangeLevel(6);
            await link.WriteAsync(second);
            await link.FlushAsync();

            Assert.Equal(6, link.Level);
            Assert.Equal(1, link.LevelChanges);
            Assert.Equal(wire.Length, link.BytesOut);
        }

        wire.Position = 0;
        var decoded = new MemoryStream();
        await using (var reader = LinkCompression.Reader(wire))
        {
            await reader.CopyToAsync(decoded);
        }

        Assert.Equal([.. first, .. second], decoded.ToArray());
    }

    [Fact]
    public async Task Write_AfterABurstGap_ReturnsToThePolicysLevelAndDecodesInOrder()
    {
        var first = SourceLikeText(seed: 4, 300_000);
        var second = SourceLikeText(seed: 5, 300_000);
        var third = SourceLikeText(seed: 6, 300_000);
        var time = new FakeTimeProvider();
        var wire = new MemoryStream();
        await using (var link = new ZstdWriteStream(wire, new LinkLevelPolicy(), idleCores: null, time))
        {
            link.ChangeLevel(LinkLevelPolicy.HighestLevel);
            await link.WriteAsync(first);
            await link.FlushAsync();
            time.Advance(TimeSpan.FromSeconds(LinkLevelPolicy.BurstGapSeconds / 10));
            await link.WriteAsync(second);
            Assert.Equal(LinkLevelPolicy.HighestLevel, link.Level);

            time.Advance(TimeSpan.FromSeconds(LinkLevelPolicy.BurstGapSeconds));
            link.Write(third);
            await link.FlushAsync();

            Assert.Equal(LinkLevelPolicy.StartLevel, link.Level);
            Assert.Equal(2, link.LevelChanges);
        }

        wire.Position = 0;
        var decoded = new MemoryStream();
        await using (var reader = LinkCompression.Reader(wire))
        {
            await reader.CopyToAsync(decoded);
        }

        Assert.Equal([.. first, .. second, .. third], decoded.ToArray());
    }

    [Fact]
    public async Task Write_AfterAPauseWhileWaitingOnThePeer_KeepsTheLevel()
    {
        var first = SourceLikeText(seed: 7, 300_000);
        var second = SourceLikeText(seed: 8, 300_000);
        var time = new FakeTimeProvider();
        var unacknowledged = true;
        var wire = new MemoryStream();
        await using (var link = new ZstdWriteStream(wire, new LinkLevelPolicy(), idleCores: null, time, waitingOnPeer: () => unacknowledged))
        {
            link.ChangeLevel(LinkLevelPolicy.HighestLevel);
            await link.WriteAsync(first);
            await link.FlushAsync();
            time.Advance(TimeSpan.FromSeconds(LinkLevelPolicy.BurstGapSeconds * 3));
            await link.WriteAsync(second);
            await link.FlushAsync();
            Assert.Equal((LinkLevelPolicy.HighestLevel, 1), (link.Level, link.LevelChanges));

            unacknowledged = false;
            time.Advance(TimeSpan.FromSeconds(LinkLevelPolicy.BurstGapSeconds));
            await link.WriteAsync(first);
            await link.FlushAsync();
            Assert.Equal((LinkLevelPolicy.StartLevel, 2), (link.Level, link.LevelChanges));
        }

        wire.Position = 0;
        var decoded = new MemoryStream();
        await using (var reader = LinkCompression.Reader(wire))
        {
            await reader.CopyToAsync(decoded);
        }

        Assert.Equal([.. first, .. second, .. first], decoded.ToArray());
    }

    [Fact]
    public async Task Flush_AfterAWrite_WhatWasWrittenDecodesBeforeTheStreamGoesOn()
    {
        var save = Encoding.UTF8.GetBytes("int index = 0;\n");
        var wire = new MemoryStream();
        await using var link = new ZstdWriteStream(wire);
        await link.WriteAsync(save);
        await link.FlushAsync();

        wire.Position = 0;
        await using var reader = LinkCompression.Reader(wire);
        var buffer = new byte[save.Length];
        await reader.ReadExactlyAsync(buffer);
        Assert.Equal(save, buffer);
    }

    [Fact]
    public async Task ChangeLevel_ToTheHighestLevel_SendsFewerBytesForTheSameText()
    {
        var text = SourceLikeText(seed: 3, 4_000_000);

        Assert.True(await CompressedLengthAsync(text, LinkLevelPolicy.HighestLevel) < await CompressedLengthAsync(text, LinkLevelPolicy.StartLevel));
    }

    private static async Task<long> CompressedLengthAsync(byte[] text, int level)
    {
        var wire = new MemoryStream();
        await using var link = new ZstdWriteStream(wire);
        if (level != link.Level)
        {
            link.ChangeLevel(level);
        }

        await link.WriteAsync(text);
        await link.FlushAsync();
        return link.BytesOut;
    }

    /// <summary>Words from a small vocabulary and numbers, as tests/Yak.Benchmarks' tree generator writes.</summary>
    private static byte[] SourceLikeText(int seed, int length)
    {
        string[] words = ["public", "static", "void", "return", "var", "if", "else", "for", "class", "string", "int", "await", "{", "}", ";", "count", "index", "value"];
        var random = new Random(seed);
        var builder = new StringBuilder(length + 100);
        while (builder.Length < length)
        {
            builder.Append(' ', random.Next(0, 4) * 4);
            for (var i = random.Next(3, 12); i > 0; i--)
            {
                builder.Append(random.Next(6) == 0 ? random.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture) : words[random.Next(words.Length)]).Append(' ');
            }

            builder.Append('\n');
        }

        return Encoding.UTF8.GetBytes(builder.ToString(0, length));
    }
}
