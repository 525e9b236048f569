using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>The JSON-RPC contract over the real socket: wire format, bad input, load, events.</summary>
public sealed class DaemonRpcTests : IAsyncLifetime
{
    private readonly YakSandbox sandbox = new();
    private DaemonProcess daemon = null!;

    public async Task InitializeAsync() => daemon = await DaemonProcess.StartAsync(sandbox);

    public async Task DisposeAsync()
    {
        await daemon.DisposeAsync();
        sandbox.Dispose();
    }

    [Fact]
    public async Task Wire_LspFramedCamelCaseJson_RoundTrips()
    {
        using var raw = RawRpcConnection.Open(sandbox.SocketPath);
        await raw.HelloAsync();

        var response = await raw.CallAsync(7, "daemon/status", new { });

        Assert.Equal("2.0", (string?)response["jsonrpc"]);
        Assert.Equal(7, (int?)response["id"]);
        var result = response["result"]!.AsObject();
        Assert.Equal(daemon.Pid, (int?)result["pid"]);
        Assert.Equal(sandbox.SocketPath, (string?)result["socket"]);
        Assert.NotNull(result["sessions"]?["sync"]);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("3.0")]
    public async Task Call_JsonRpcVersionNot20_GetsInvalidRequestAndTheConnectionServesOn(string version)
    {
        using var raw = RawRpcConnection.Open(sandbox.SocketPath);
        await raw.HelloAsync();

        await raw.SendFramedAsync("{\"jsonrpc\":\"" + version + "\",\"id\":3,\"method\":\"daemon/status\",\"params\":{}}");
        var response = await raw.ReadMessageAsync().DefaultTimeout();

        Assert.Equal(3, (int?)response["id"]);
        Assert.Null(response["result"]);
        Assert.Equal(-32600, (int?)response["error"]?["code"]);
        Assert.Contains(version, (string?)response["error"]?["message"], StringComparison.Ordinal);
        Assert.Equal(daemon.Pid, (int?)(await raw.CallAsync(4, "daemon/status", new { }))["result"]?["pid"]);
    }

    [Fact]
    public async Task Call_BeforeHello_GetsHandshakeRequiredError()
    {
        using var raw = RawRpcConnection.Open(sandbox.SocketPath);

        var response = await raw.CallAsync(1, "daemon/status", new { });

        Assert.Equal(ErrorCodes.HandshakeRequired, (int?)response["error"]?["code"]);
        Assert.Equal("YAK1005", (string?)response["error"]?["data"]?["code"]);
        Assert.Equal(Yak.Protocol.Errors.YakErrors.HandshakeRequired.Fix, (string?)response["error"]?["data"]?["fix"]);
    }

    [Fact]
    public async Task Hello_ProtocolFromTheFuture_ErrorDataCarriesCodeAndVersions()
    {
        using var raw = RawRpcConnection.Open(sandbox.SocketPath);

        var response = await raw.CallAsync(1, "daemon/hello", new { clientName = "x", clientVersion = "9", protocolVersion = 999, capabilities = Array.Empty<string>() });

        var data = response["error"]?["data"];
        Assert.Equal(ErrorCodes.IncompatibleProtocol, (int?)response["error"]?["code"]);
        Assert.Equal("YAK1002", (string?)data?["code"]);
        Assert.Equal(ProtocolVersion.Current, (int?)data?["daemonProtocolVersion"]);
        Assert.Equal(ProtocolVersion.MinimumSupported, (int?)data?["minimumProtocolVersion"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SyncCreate_LocalEndpointWithOptionalMembersNullOrOmitted_CreatesAndSyncs(bool sendNulls)
    {
        // A client in another language sends only what it means: kubeconfig, context, excludes and name are optional.
        using var source = new TempDirectory("yk-src-");
        using var replica = new TempDirectory("yk-dst-");
        File.WriteAllText(Path.Combine(source.Path, "a.txt"), "hello");
        using var raw = RawRpcConnection.Open(sandbox.SocketPath);
        await raw.HelloAsync();
        object request = sendNulls
            ? new { name = (string?)null, localPath = source.Path, endpoint = "local:" + replica.Path, excludes = (string[]?)null, kubeconfig = (string?)null, context = (string?)null }
            : new { localPath = source.Path, endpoint = "local:" + replica.Path };

        var created = await raw.CallAsync(1, "sync/create", request);
        var name = (string?)created["result"]?["session"]?["name"];
        var flushed = await raw.CallAsync(2, "sync/flush", new { name });

        Assert.Null(created["error"]);
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Null(flushed["error"]);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(replica.Path, "a.txt")));
    }

    [Fact]
    public async Task Call_UnknownMethod_GetsMethodNotFoundAndConnectionLives()
    {
        using var raw = RawRpcConnection.Open(sandbox.SocketPath);
        await raw.HelloAsync();

        var response = await raw.CallAsync(1, "daemon/explode", new { });
        var after = await raw.CallAsync(2, "daemon/status", new { });

        Assert.Equal(-32601, (int?)response["error"]?["code"]);
        Assert.NotNull(after["result"]);
    }

    [Fact]
    public async Task Call_WrongParams_GetsInvalidParamsWithoutStackTrace()
    {
        using var raw = RawRpcConnection.Open(sandbox.SocketPath);

        var response = await raw.CallAsync(1, "daemon/hello", new { clientName = "x", protocolVersion = "one" });

        var error = response["error"]!.AsObject();
        Assert.Equal(-32602, (int?)error["code"]);
        Assert.DoesNotContain("   at ", error.ToJsonString(), StringComparison.Ordinal);
        var after = await raw.CallAsync(2, "daemon/hello", new { clientName = "x", clientVersion = "1", protocolVersion = 1, capabilities = Array.Empty<string>() });
        Assert.NotNull(after["result"]);
    }

    [Fact]
    public async Task Body_NotJson_ClosesOnlyThatConnection()
    {
        await AssertDaemonSurvivesAsync(raw => raw.SendFramedAsync("this is { not json"));
    }

    [Fact]
    public async Task Framing_HeaderWithoutContentLength_ClosesConnection()
    {
        await AssertDaemonSurvivesAsync(raw => raw.SendRawAsync("Content-Type: application/json\r\n\r\n{}"));
    }

    [Fact]
    public async Task Framing_GarbageHeaderLine_ClosesConnection()
    {
        await AssertDaemonSurvivesAsync(raw => raw.SendRawAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    [Fact]
    public async Task Framing_ContentLengthOf100MB_ClosesConnectionWithoutWaitingForBody()
    {
        await AssertDaemonSurvivesAsync(raw => raw.SendRawAsync($"Content-Length: {100 * 1024 * 1024}\r\n\r\n{{\"jsonrpc\":"));
    }

    [Fact]
    public async Task Framing_TwoContentLengthsInDifferentCase_ClosesConnection()
    {
        // The reported bypass: the guard kept the last header, StreamJsonRpc the exact-case one.
        const string Body = """{"jsonrpc":"2.0","id":1,"method":"daemon/status","params":{}}""";
        await AssertDaemonSurvivesAsync(raw => raw.SendRawAsync($"Content-Length: {20 * 1024 * 1024}\r\ncontent-length: {Body.Length}\r\n\r\n{Body}"));
    }

    [Fact]
    public async Task Framing_SameContentLengthTwice_ClosesConnection()
    {
        const string Body = """{"jsonrpc":"2.0","id":1,"method":"daemon/status","params":{}}""";
        await AssertDaemonSurvivesAsync(raw => raw.SendRawAsync($"Content-Length: {Body.Length}\r\nContent-Length: {Body.Length}\r\n\r\n{Body}"));
    }

    [Fact]
    public async Task Framing_EndlessHeader_ClosesConnection()
    {
        await AssertDaemonSurvivesAsync(raw => raw.SendRawAsync("X-Filler: " + new string('a', 64 * 1024)));
    }

    [Fact]
    public async Task Load_50ClientsTimes100Calls_AllAnswered()
    {
        var pids = new ConcurrentBag<int>();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var client = await daemon.ConnectAsync();
            for (var call = 0; call < 100; call++)
            {
                pids.Add((await client.StatusAsync(CancellationToken.None)).Pid);
            }
        })).WithTimeout(TimeSpan.FromSeconds(120));

        Assert.Equal(5000, pids.Count);
        Assert.All(pids, pid => Assert.Equal(daemon.Pid, pid));
    }

    [Fact]
    public async Task Events_OnlySubscribersOfTheTopicReceiveThem()
    {
        await using var subscriber = await daemon.ConnectAsync().DefaultTimeout();
        await using var otherTopic = await daemon.ConnectAsync().DefaultTimeout();
        await using var bystander = await daemon.ConnectAsync().DefaultTimeout();
        var subscriberEvents = Collect(subscriber);
        var otherTopicEvents = Collect(otherTopic);
        var bystanderEvents = Collect(bystander);
        await subscriber.SubscribeAsync([EventTopics.Daemon], CancellationToken.None).DefaultTimeout();
        await otherTopic.SubscribeAsync([EventTopics.Sync], CancellationToken.None).DefaultTimeout();

        // A client comes and goes; the subscriber sees both, so both were published before anyone else subscribes.
        int first;
        await using (var probe = await daemon.ConnectAsync().DefaultTimeout())
        {
            first = (await ReadUntilAsync(subscriberEvents, "clientConnected", id: null)).Data.GetProperty("connectionId").GetInt32();
        }

        await ReadUntilAsync(subscriberEvents, "clientDisconnected", first);

        // The others subscribe late; a second client comes and goes. Per connection, events arrive in order, so
        // had they been sent the first client's events, those would arrive before the second's.
        await bystander.SubscribeAsync([EventTopics.Daemon], CancellationToken.None).DefaultTimeout();
        await otherTopic.SubscribeAsync([EventTopics.Daemon], CancellationToken.None).DefaultTimeout();
        int second;
        await using (await daemon.ConnectAsync().DefaultTimeout())
        {
            second = (await ReadUntilAsync(subscriberEvents, "clientConnected", id: null)).Data.GetProperty("connectionId").GetInt32();
        }

        foreach (var late in new[] { bystanderEvents, otherTopicEvents })
        {
            var seen = new List<EventNotification>();
            while (seen.Count == 0 || !(seen[^1].Kind == "clientDisconnected" && seen[^1].Data.GetProperty("connectionId").GetInt32() == second))
            {
                seen.Add(await late.Reader.ReadAsync().AsTask().DefaultTimeout());
            }

            Assert.All(seen, e => Assert.Equal(EventTopics.Daemon, e.Topic));
            Assert.DoesNotContain(seen, e => e.Data.GetProperty("connectionId").GetInt32() == first);
        }
    }

    private static async Task<EventNotification> ReadUntilAsync(System.Threading.Channels.Channel<EventNotification> events, string kind, int? id)
    {
        while (true)
        {
            var e = await events.Reader.ReadAsync().AsTask().DefaultTimeout();
            Assert.Equal(EventTopics.Daemon, e.Topic);
            if (e.Kind == kind && (id is null || e.Data.GetProperty("connectionId").GetInt32() == id))
            {
                return e;
            }
        }
    }

    [Fact]
    public async Task Subscribe_UnknownTopic_GetsInvalidArgument()
    {
        await using var client = await daemon.ConnectAsync().DefaultTimeout();

        var error = await Assert.ThrowsAsync<StreamJsonRpc.RemoteInvocationException>(
            () => client.SubscribeAsync(["weather"], CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ErrorCodes.InvalidArgument, error.ErrorCode);
    }

    private static System.Threading.Channels.Channel<EventNotification> Collect(DaemonClient client)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<EventNotification>();
        client.EventReceived += (_, e) => channel.Writer.TryWrite(e);
        return channel;
    }

    private async Task AssertDaemonSurvivesAsync(Func<RawRpcConnection, Task> misbehave)
    {
        await using var bystander = await daemon.ConnectAsync().DefaultTimeout();
        using (var raw = RawRpcConnection.Open(sandbox.SocketPath))
        {
            await misbehave(raw).DefaultTimeout();
            await raw.WaitForCloseAsync().DefaultTimeout();
        }

        // The daemon lives on: the existing client and a new one are both served.
        Assert.Equal(daemon.Pid, (await bystander.StatusAsync(CancellationToken.None).DefaultTimeout()).Pid);
        await using var fresh = await daemon.ConnectAsync().DefaultTimeout();
        Assert.Equal(daemon.Pid, (await fresh.StatusAsync(CancellationToken.None).DefaultTimeout()).Pid);
        Assert.False(daemon.HasExited);
    }
}
