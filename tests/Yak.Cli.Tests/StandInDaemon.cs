using System.Net.Sockets;
using StreamJsonRpc;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>
/// A socket in the sandbox served by a stand-in for yakd (one from the past or the future) on the real wire, and the
/// environment that points yakctl at it with autostart off.
/// </summary>
internal sealed class StandInDaemon : IDisposable
{
    private readonly Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public StandInDaemon(YakSandbox sandbox, string socketName)
    {
        var socketPath = Path.Combine(sandbox.Root, socketName);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(4);
        Environment = sandbox.Environment(autostart: false);
        Environment["YAK_SOCKET"] = socketPath;
    }

    public Dictionary<string, string?> Environment { get; }

    /// <summary>
    /// Serves <paramref name="connections"/> connections one after another; <paramref name="setUp"/> adds each one's
    /// targets and may return a task after which the stand-in closes that connection itself (as a stopping yakd does);
    /// otherwise a connection lasts until the client closes it.
    /// </summary>
    public async Task ServeAsync(Func<JsonRpc, Task?> setUp, int connections = 1)
    {
        for (var i = 0; i < connections; i++)
        {
            using var client = await listener.AcceptAsync();
            await using var stream = new NetworkStream(client, ownsSocket: false);
            using var rpc = new JsonRpc(RpcWire.CreateHandler(stream, stream));
            var closeAfter = setUp(rpc);
            rpc.StartListening();
            try
            {
                await (closeAfter is null ? rpc.Completion : Task.WhenAny(rpc.Completion, closeAfter));
            }
            catch (Exception ex) when (ex is ConnectionLostException or IOException)
            {
            }

            client.Shutdown(SocketShutdown.Both);
        }
    }

    public void Dispose() => listener.Dispose();
}
