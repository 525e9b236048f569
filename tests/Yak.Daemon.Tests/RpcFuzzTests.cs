using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Yak.Protocol;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>
/// Malformed JSON-RPC against a real yakd: broken JSON, messages that are not JSON-RPC requests, and every method
/// called with parameters that are not an object or array. Every reply must be an error or the connection must
/// close, and yakd must keep serving. The default run sends <see cref="DefaultMessages"/>; the full run is
/// <c>YAK_FUZZ_MESSAGES=10000 dotnet test tests/Yak.Daemon.Tests --filter FullyQualifiedName~RpcFuzzTests</c>.
/// </summary>
public sealed class RpcFuzzTests
{
    private const int DefaultMessages = 300;
    private const int PingId = 7;
    private static readonly byte[] MutationBytes = [.. "{}[]\":,\\ 0a"u8, 0xFF, 0x00, 0xC3];
    private static readonly string[] Methods = [.. typeof(Methods).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetValue(null)!)
        .Where(m => m != Yak.Protocol.Methods.DaemonShutdown)];

    [Fact]
    public async Task MalformedMessages_EveryReplyIsAnErrorOrAClose_DaemonKeepsServing()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("YAK_FUZZ_MESSAGES"), CultureInfo.InvariantCulture, out var n) ? n : DefaultMessages;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("YAK_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 11;
        var random = new Random(seed);
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        await using var bystander = await daemon.ConnectAsync().DefaultTimeout();
        RawRpcConnection? raw = null;
        var closed = 0;
        var errors = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (raw is null)
                {
                    raw = RawRpcConnection.Open(sandbox.SocketPath);
                    await raw.HelloAsync().DefaultTimeout();
                }

                var message = Malformed(random, 1_000_000 + i);
                try
                {
                    await raw.SendFramedAsync(message).DefaultTimeout();
                    await raw.SendFramedAsync($$$"""{"jsonrpc":"2.0","id":{{{PingId}}},"method":"daemon/status","params":{}}""").DefaultTimeout();
                    while (true)
                    {
                        var reply = await raw.ReadMessageAsync().DefaultTimeout();
                        if (reply["id"] is { } id && id.GetValueKind() == JsonValueKind.Number && (int)id == PingId)
                        {
                            Assert.NotNull(reply["result"]);
                            break;
                        }

                        Assert.True(reply["error"] is not null && reply["result"] is null, $"seed {seed}, message {i}: {message}\nanswered without an error: {reply.ToJsonString()}");
                        errors++;
                    }
                }
                catch (Exception ex) when (ex is EndOfStreamException or IOException)
                {
                    closed++;
                    raw.Dispose();
                    raw = null;
                }
            }
        }
        finally
        {
            raw?.Dispose();
        }

        Console.WriteLine($"rpc fuzz: {count} malformed messages (seed {seed}): {errors} error replies, {closed} closed connections");
        Assert.False(daemon.HasExited);
        Assert.Equal(daemon.Pid, (await bystander.StatusAsync(CancellationToken.None).DefaultTimeout()).Pid);
        await using var fresh = await daemon.ConnectAsync().DefaultTimeout();
        Assert.Equal(daemon.Pid, (await fresh.StatusAsync(CancellationToken.None).DefaultTimeout()).Pid);
    }

    /// <summary>A message that is never a valid request: broken JSON, not a JSON-RPC request, or scalar parameters.</summary>
    private static string Malformed(Random random, int id)
    {
        var method = Methods[random.Next(Methods.Length)];
        switch (random.Next(3))
        {
            case 0:
                // Byte mutations of a valid request until it no longer parses as JSON.
                var bytes = Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"{{{method}}}","params":{"name":"x","paths":["a"],"n":1}}""");
                while (true)
                {
                    for (var k = random.Next(1, 6); k > 0; k--)
                    {
                        bytes[random.Next(bytes.Length)] = MutationBytes[random.Next(MutationBytes.Length)];
                    }

                    if (!ParsesAsJson(bytes))
                    {
                        return Encoding.UTF8.GetString(bytes);
                    }
                }

            case 1:
                // Well-formed JSON that is not a request: method or id of the wrong type, no method, a batch, a bare value.
                // (A wrong "jsonrpc" version is not here: StreamJsonRpc ignores the field and serves the call.)
                string[] shapes =
                [
                    $$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":{{{Junk(random)}}},"params":{}}""",
                    "{\"jsonrpc\":\"2.0\",\"id\":{\"nested\":" + id + "},\"method\":\"" + method + "\",\"params\":{}}",
                    $$$"""{"jsonrpc":"2.0","id":{{{id}}},"params":{}}""",
                    $$$"""[{"jsonrpc":"2.0","id":{{{id}}},"method":"{{{method}}}"}]""",
                    Junk(random),
                ];
                return shapes[random.Next(shapes.Length)];
            default:
                // A real method with parameters that are neither an object nor an array.
                string[] scalars = ["1", "-1", "\"x\"", "true", "1e309", "\"\\u0000\""];
                return $$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"{{{method}}}","params":""" + scalars[random.Next(scalars.Length)] + "}";
        }
    }

    private static string Junk(Random random) => random.Next(5) switch
    {
        0 => "null",
        1 => random.Next().ToString(CultureInfo.InvariantCulture),
        2 => "[1,2,3]",
        3 => "{\"a\":{\"b\":[]}}",
        _ => "\"" + new string('z', random.Next(0, 2000)) + "\"",
    };

    private static bool ParsesAsJson(byte[] bytes)
    {
        try
        {
            using var _ = JsonDocument.Parse(bytes);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
