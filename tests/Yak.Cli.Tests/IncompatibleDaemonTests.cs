using System.Net.Sockets;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>
/// yakctl against a daemon from the future: a stand-in that answers the handshake the way a newer yakd refuses
/// an old client, over a real socket.
/// </summary>
public sealed class IncompatibleDaemonTests
{
    [Fact]
    public async Task AnyCommand_DaemonRefusesProtocol_ExitsWithIncompatibleCode()
    {
        using var sandbox = new YakSandbox();
        var socketPath = Path.Combine(sandbox.Root, "future.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(4);
        var serve = ServeOneAsync(listener);
        var environment = sandbox.Environment(autostart: false);
        environment["YAK_SOCKET"] = socketPath;

        var result = await Yakctl.RunAsync(environment, "daemon", "status").DefaultTimeout();

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("protocol", result.StandardError, StringComparison.Ordinal);
        await serve.DefaultTimeout();
    }

    private static async Task ServeOneAsync(Socket listener)
    {
        using var client = await listener.AcceptAsync();
        await using var stream = new NetworkStream(client, ownsSocket: false);
        using var rpc = new JsonRpc(RpcWire.CreateHandler(stream, stream));
        rpc.AddLocalRpcTarget(new FutureDaemon());
        rpc.StartListening();
        try
        {
            await rpc.Completion;
        }
        catch (Exception ex) when (ex is ConnectionLostException or IOException)
        {
        }
    }

    private sealed class FutureDaemon
    {
        [JsonRpcMethod(Methods.DaemonHello, UseSingleObjectParameterDeserialization = true)]
        public static object Hello(object request) => throw new LocalRpcException("yakd 9.0 speaks protocol 9..9; update yakctl.")
        {
            ErrorCode = ErrorCodes.IncompatibleProtocol,
        };
    }
}
