using Yak.LocalCluster.Streams.Spdy;

namespace Yak.LocalCluster.Tests.Streams;

public sealed class SpdyCodecTests
{
    // A SYN_STREAM written by moby/spdystream (Go zlib with the SPDY dictionary): stream 1, streamtype=stdout.
    private static readonly byte[] GoSynStream =
    [
        0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x78, 0xf9, 0xe3, 0xc6, 0xa7, 0xc2, 0x62, 0x60, 0x60, 0x60, 0x04, 0xa7, 0xb3, 0x92, 0xa2, 0xd4, 0xc4, 0x5c,
        0x68, 0x51, 0xc2, 0x56, 0x5c, 0x92, 0x92, 0x5f, 0x5a, 0x02, 0x00, 0x00, 0x00, 0xff, 0xff,
    ];

    [Fact]
    public void Dictionary_Adler32_MatchesSpdy3()
    {
        uint a = 1, b = 0;
        foreach (var x in SpdyDictionary.Bytes)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }

        Assert.Equal(1423, SpdyDictionary.Bytes.Length);
        Assert.Equal(0xe3c6a7c2u, (b << 16) | a);
    }

    [Fact]
    public async Task Decode_GoClientSynStream_ReadsHeaders()
    {
        var framer = new SpdyFramer(new MemoryStream(GoSynStream));
        var frame = await framer.ReadAsync(CancellationToken.None);
        using var decoder = new SpdyHeaderDecoder();

        var headers = decoder.Decode(frame!.Payload.AsSpan(10));

        Assert.Equal(SpdyFrame.SynStream, frame.Type);
        Assert.Equal(1u, frame.StreamId);
        Assert.Equal("stdout", headers["streamtype"]);
    }

    [Fact]
    public void Encode_ThenDecodeWithZlib_RoundTrips()
    {
        var encoder = new SpdyHeaderEncoder();
        var first = encoder.Encode([("streamtype", "data"), ("port", "8080")]);
        var second = encoder.Encode([]);
        using var zlib = new System.IO.Compression.ZLibStream(new MemoryStream([.. first, .. second]), System.IO.Compression.CompressionMode.Decompress);
        var raw = new byte[4 + 4 + 10 + 4 + 4 + 4 + 4 + 4 + 4 + 4];

        zlib.ReadExactly(raw);

        Assert.Equal(2, raw[3]);
        Assert.Equal("streamtype", System.Text.Encoding.ASCII.GetString(raw, 8, 10));
        Assert.Equal(0, raw[^1] | raw[^2] | raw[^3] | raw[^4]);
    }
}
