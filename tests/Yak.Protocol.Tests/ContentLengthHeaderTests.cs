using System.Text;
using Nerdbank.Streams;
using StreamJsonRpc;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Protocol.Tests;

/// <summary>The one Content-Length parser every end of the wire uses, and the JSON-RPC handler built on it.</summary>
public sealed class ContentLengthHeaderTests
{
    private const int Limit = 1024;

    [Theory]
    [InlineData("Content-Length: 12", 12)]
    [InlineData("content-length:7", 7)]
    [InlineData("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:   0  ", 0)]
    [InlineData("Content-Length: 1024", 1024)]
    public void Parse_OneValidHeader_ReturnsItsLength(string headers, int expected) =>
        Assert.Equal(expected, ContentLengthHeader.Parse(Encoding.ASCII.GetBytes(headers), Limit));

    [Theory]
    [InlineData("Content-Length: 5\r\nContent-Length: 5", "More than one")]
    [InlineData("Content-Length: 999999\r\ncontent-length: 5", "More than one")]
    [InlineData("content-length: 5\r\nContent-Length: 999999", "More than one")]
    [InlineData("Content-Type: x", "without a Content-Length")]
    [InlineData("Content-Length: -1", "not a decimal")]
    [InlineData("Content-Length: +5", "not a decimal")]
    [InlineData("Content-Length: 5x", "not a decimal")]
    [InlineData("Content-Length: 0x10", "not a decimal")]
    [InlineData("Content-Length: 99999999999999999999", "not a decimal")]
    [InlineData("Content-Length:", "not a decimal")]
    [InlineData("Content-Length: 1025", "exceeds the 1024-byte limit")]
    [InlineData("Content-Length 5", "Malformed header line")]
    [InlineData(": 5", "Malformed header line")]
    public void Parse_MissingDuplicateOrMalformed_IsRefused(string headers, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => ContentLengthHeader.Parse(Encoding.ASCII.GetBytes(headers), Limit));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_TwoContentLengths_EndsTheConnectionWithoutDispatching()
    {
        var (ours, theirs) = FullDuplexStream.CreatePair();
        var target = new Target();
        using var rpc = new JsonRpc(RpcWire.CreateHandler(ours, ours));
        rpc.AddLocalRpcTarget(target);
        rpc.StartListening();
        const string Body = """{"jsonrpc":"2.0","method":"ping","params":[]}""";

        await theirs.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: 99999999\r\ncontent-length: {Body.Length}\r\n\r\n{Body}")).DefaultTimeout();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => rpc.Completion).DefaultTimeout();
        Assert.Contains("More than one Content-Length", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, target.Pings);
    }

    [Fact]
    public async Task Handler_MessagesSplitAnywhere_AreAllDelivered()
    {
        var (ours, theirs) = FullDuplexStream.CreatePair();
        var target = new Target();
        using var rpc = new JsonRpc(RpcWire.CreateHandler(ours, ours));
        rpc.AddLocalRpcTarget(target);
        rpc.StartListening();
        const string Body = """{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}""";
        var message = Encoding.ASCII.GetBytes($"Content-Length: {Body.Length}\r\n\r\n{Body}");

        // Byte by byte, so every boundary (inside the header, the blank line and the body) is a read boundary.
        foreach (var b in message)
        {
            await theirs.WriteAsync(new[] { b }).DefaultTimeout();
            await theirs.FlushAsync().DefaultTimeout();
        }

        var text = string.Empty;
        var reply = new byte[256];
        while (!text.EndsWith('}'))
        {
            var read = await theirs.ReadAsync(reply).DefaultTimeout();
            Assert.NotEqual(0, read);
            text += Encoding.UTF8.GetString(reply, 0, read);
        }

        Assert.StartsWith("Content-Length: ", text, StringComparison.Ordinal);
        Assert.Contains("\"result\":1", text, StringComparison.Ordinal);
        Assert.Equal(1, target.Pings);
    }

    private sealed class Target
    {
        private int pings;

        public int Pings => Volatile.Read(ref pings);

        [JsonRpcMethod("ping")]
        public int Ping() => Interlocked.Increment(ref pings);
    }
}
