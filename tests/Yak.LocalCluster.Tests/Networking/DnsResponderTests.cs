using System.Buffers.Binary;
using System.Text;
using Yak.LocalCluster.Networking;

namespace Yak.LocalCluster.Tests.Networking;

/// <summary>The cluster DNS's answers on the wire (pure logic; the end-to-end path is in <see cref="ServiceNetworkingTests"/>).</summary>
public sealed class DnsResponderTests
{
    private static ServiceDirectory Directory()
    {
        var directory = new ServiceDirectory();
        directory.Publish(
        [
            new ServiceEntry("shop", "store", "10.96.3.4", [new ServicePortEntry(null, 80, "TCP", [("10.244.1.2", 7070)])], ["10.244.1.2"]),
            new ServiceEntry("shop", "db", null, [], ["10.244.1.5", "10.244.1.6"]),
        ]);
        return directory;
    }

    [Theory]
    [InlineData("store", "10.96.3.4")]
    [InlineData("store.shop", "10.96.3.4")]
    [InlineData("store.shop.svc", "10.96.3.4")]
    [InlineData("store.shop.svc.cluster.local", "10.96.3.4")]
    [InlineData("STORE.shop.svc.cluster.local.", "10.96.3.4")]
    [InlineData("db", "10.244.1.5,10.244.1.6")]
    public void Answer_ServiceNames_ARecords(string name, string expected)
    {
        var reply = DnsResponder.Answer(Query(0x1234, name, 1), "shop", Directory());

        Assert.NotNull(reply);
        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(reply));
        Assert.Equal(0, reply[3] & 0xF);
        Assert.Equal(expected, string.Join(',', Addresses(reply)));
    }

    [Theory]
    [InlineData("store.other.svc.cluster.local")]
    [InlineData("nothing")]
    [InlineData("example.com")]
    [InlineData("a.b.c.d.e.f")]
    public void Answer_UnknownNames_NxDomain(string name)
    {
        var reply = DnsResponder.Answer(Query(7, name, 1), "shop", Directory());

        Assert.NotNull(reply);
        Assert.Equal(3, reply[3] & 0xF);
        Assert.Empty(Addresses(reply));
    }

    [Fact]
    public void Answer_AaaaForAService_EmptyNoError()
    {
        var reply = DnsResponder.Answer(Query(9, "store", 28), "shop", Directory());

        Assert.NotNull(reply);
        Assert.Equal(0, reply[3] & 0xF);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6)));
    }

    [Fact]
    public void Answer_TruncatedOrOverlongQuery_FormErrOrNothing()
    {
        var query = Query(5, "store", 1);

        Assert.Null(DnsResponder.Answer(query.AsSpan(0, 5), "shop", Directory()));
        Assert.Equal(1, DnsResponder.Answer(query.AsSpan(0, 15), "shop", Directory())![3] & 0xF);
        Assert.Null(DnsResponder.Answer(new byte[600], "shop", Directory()));
    }

    private static byte[] Query(ushort id, string name, ushort type)
    {
        var bytes = new List<byte>();
        bytes.AddRange([(byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. bytes];
    }

    private static List<string> Addresses(byte[] reply)
    {
        var count = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6));
        var at = 12;
        while (reply[at] != 0)
        {
            at += reply[at] + 1;
        }

        at += 5;
        var result = new List<string>();
        for (var i = 0; i < count; i++)
        {
            result.Add(string.Join('.', reply.AsSpan(at + 12, 4).ToArray()));
            at += 16;
        }

        return result;
    }
}
