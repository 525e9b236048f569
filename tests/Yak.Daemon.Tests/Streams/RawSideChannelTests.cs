using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Yak.Testing;

namespace Yak.Daemon.Tests.Streams;

/// <summary>
/// The side channel as docs/streams.md describes it, spoken with hand-written bytes (no Yak.Client): what a
/// non-.NET client does. Also checks that a side connection claimed mid-protocol is not read as JSON-RPC.
/// </summary>
public sealed class RawSideChannelTests : IAsyncLifetime
{
    private StreamsFixture fixture = null!;

    public async Task InitializeAsync() => fixture = await StreamsFixture.StartAsync();

    public async Task DisposeAsync() => await fixture.DisposeAsync();

    [Fact]
    public async Task StreamsAttach_HandWrittenFrames_RunExecWithStdinAndExitCode()
    {
        using var main = RawRpcConnection.Open(fixture.Daemon.Endpoint.SocketPath);
        await main.HelloAsync();
        var start = await main.CallAsync(1, "exec/start", new
        {
            target = new { environment = "", service = "", @namespace = "default", selector = "", pod = StreamsFixture.ShellPod, container = "", kubeconfig = fixture.Cluster.Host.KubeconfigPath, context = "yak-local" },
            command = new[] { "sh", "-c", "tr a-z A-Z; exit 42" },
            tty = false,
            stdin = true,
            inSyncRoot = false,
        });
        var token = start["result"]!["token"]!.GetValue<string>();

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(fixture.Daemon.Endpoint.SocketPath)).DefaultTimeout();
        await using var side = new NetworkStream(socket, ownsSocket: false);
        var request = Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":1,"method":"streams/attach","params":{"token":"{{{token}}}"}}""");
        await side.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {request.Length}\r\n\r\n")).DefaultTimeout();
        await side.WriteAsync(request).DefaultTimeout();
        var response = await ReadResponseAsync(side).DefaultTimeout();
        Assert.Equal("exec", response["result"]!["kind"]!.GetValue<string>());

        // start, stdin "hello\n", end of stdin; then frames until exit.
        await side.WriteAsync(Frame(7, [])).DefaultTimeout();
        await side.WriteAsync(Frame(0, "hello\n"u8.ToArray())).DefaultTimeout();
        await side.WriteAsync(Frame(5, [])).DefaultTimeout();
        var stdout = new StringBuilder();
        int? exit = null;
        while (exit is null)
        {
            var header = new byte[5];
            await side.ReadExactlyAsync(header).DefaultTimeout();
            var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1))];
            await side.ReadExactlyAsync(payload).DefaultTimeout();
            switch (header[0])
            {
                case 1:
                    stdout.Append(Encoding.UTF8.GetString(payload));
                    break;
                case 3:
                    exit = BinaryPrimitives.ReadInt32BigEndian(payload);
                    break;
            }
        }

        Assert.Equal("HELLO\n", stdout.ToString());
        Assert.Equal(42, exit);
        Assert.Equal(0, await side.ReadAsync(new byte[1]).DefaultTimeout());

        // The main connection is untouched by all this.
        var status = await main.CallAsync(2, "daemon/status", new { });
        Assert.NotNull(status["result"]);
    }

    [Fact]
    public async Task StreamsAttach_UnknownToken_AnswersAnErrorAndStaysJsonRpc()
    {
        using var side = RawRpcConnection.Open(fixture.Daemon.Endpoint.SocketPath);

        var refused = await side.CallAsync(1, "streams/attach", new { token = "0123" });
        var hello = await side.CallAsync(2, "daemon/hello", new { clientName = "raw", clientVersion = "1", protocolVersion = 1, capabilities = Array.Empty<string>() });

        Assert.Equal(-32004, refused["error"]!["code"]!.GetValue<int>());
        Assert.NotNull(hello["result"]);
    }

    private static byte[] Frame(byte type, byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = type;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Reads the header byte by byte, then exactly the body: nothing of the frames after it.</summary>
    private static async Task<JsonObject> ReadResponseAsync(Stream stream)
    {
        var header = new List<byte>();
        var one = new byte[1];
        while (header.Count < 4 || !header[^4..].SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            await stream.ReadExactlyAsync(one);
            header.Add(one[0]);
        }

        var length = int.Parse(Encoding.ASCII.GetString([.. header]).Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return JsonNode.Parse(body)!.AsObject();
    }
}
