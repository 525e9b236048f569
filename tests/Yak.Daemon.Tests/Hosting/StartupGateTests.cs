using Nerdbank.Streams;
using StreamJsonRpc;
using Yak.Daemon.Ipc;
using Yak.Protocol;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Daemon.Tests.Hosting;

/// <summary>
/// yakd listens before its sessions resume: the handshake is answered at once, every other request waits until the
/// host has started (the daemon's JsonRpc over the real wire handler, a duplex stream in place of the socket).
/// </summary>
public sealed class StartupGateTests
{
    [Fact]
    public async Task Dispatch_BeforeStart_HelloAnsweredAndStatusHeldUntilStarted()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (clientStream, serverStream) = FullDuplexStream.CreatePair();
        using var server = new DaemonJsonRpc(RpcWire.CreateHandler(serverStream, serverStream), started.Task);
        server.AddLocalRpcMethod(Methods.DaemonHello, new Func<string>(() => "hello"));
        server.AddLocalRpcMethod(Methods.DaemonStatus, new Func<string>(() => "status"));
        server.StartListening();
        using var client = new JsonRpc(RpcWire.CreateHandler(clientStream, clientStream));
        client.StartListening();

        // Status is sent first: answered in order it would arrive before hello's answer.
        var status = client.InvokeWithParameterObjectAsync<string>(Methods.DaemonStatus, new { });
        Assert.Equal("hello", await client.InvokeWithParameterObjectAsync<string>(Methods.DaemonHello, new { }).DefaultTimeout());
        Assert.False(status.IsCompleted);

        started.SetResult();
        Assert.Equal("status", await status.DefaultTimeout());
    }
}
