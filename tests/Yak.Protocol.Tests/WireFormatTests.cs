using System.Text.Json;
using Nerdbank.Streams;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Protocol.Tests;

public sealed class WireFormatTests
{
    [Fact]
    public void Serialize_Dto_UsesCamelCase()
    {
        var json = JsonSerializer.Serialize(new SessionCountsInfo { Sync = 1, Forwards = 2, Environments = 3 }, YakJson.Options);

        Assert.Equal("""{"sync":1,"forwards":2,"environments":3}""", json);
    }

    [Theory]
    [InlineData(EnvironmentState.Up, "up")]
    [InlineData(EnvironmentState.Deploying, "deploying")]
    [InlineData(EnvironmentState.Degraded, "degraded")]
    [InlineData(EnvironmentState.Error, "error")]
    [InlineData(EnvironmentState.Down, "down")]
    public void Serialize_EnvironmentState_IsTheStringClientsAlreadyRead(EnvironmentState state, string wire)
    {
        Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(state, YakJson.Options));
        Assert.Equal(wire, YakJson.WireName(state));
    }

    [Theory]
    [InlineData(ServiceState.RollingOut, "rollingOut")]
    [InlineData(ServiceState.ScaledDown, "scaledDown")]
    [InlineData(ServiceState.Ready, "ready")]
    public void Serialize_ServiceState_IsCamelCase(ServiceState state, string wire) =>
        Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(state, YakJson.Options));

    [Fact]
    public void Deserialize_MissingRequiredMember_Throws()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<HelloRequest>("""{"clientName":"x"}""", YakJson.Options));
    }

    [Fact]
    public async Task RpcWire_OverDuplexPair_FramesWithContentLengthAndNamedParams()
    {
        // Transport-free: one side is the real wire handler, the other reads raw bytes.
        var (clientStream, serverStream) = FullDuplexStream.CreatePair();
        using var rpc = new JsonRpc(RpcWire.CreateHandler(clientStream, clientStream));
        rpc.StartListening();

        _ = rpc.NotifyWithParameterObjectAsync(Methods.DaemonStatus, new StatusRequest());
        var buffer = new byte[256];
        var read = await serverStream.ReadAsync(buffer).DefaultTimeout();
        var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read);

        Assert.StartsWith("Content-Length: ", text, StringComparison.Ordinal);
        Assert.Contains("\"method\":\"daemon/status\"", text, StringComparison.Ordinal);
        Assert.Contains("\"params\":{}", text, StringComparison.Ordinal);
    }
}
