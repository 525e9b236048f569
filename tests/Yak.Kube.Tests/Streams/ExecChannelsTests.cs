using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Yak.Kube;
using Yak.Testing;

namespace Yak.Kube.Tests.Streams;

public sealed class ExecChannelsTests
{
    [Fact]
    public async Task DisposeAsync_TwiceAndConcurrently_EndsOnceWithoutError()
    {
        var (client, server) = await SocketPairAsync();
        using var peer = server;
        var channels = new ExecChannels(client);

        // As the agent link does: Abort closes the stream while DisposeAsync closes it too.
        await Task.WhenAll(channels.DisposeAsync().AsTask(), channels.DisposeAsync().AsTask()).DefaultTimeout();
        await channels.DisposeAsync().DefaultTimeout();
    }

    [Fact]
    public async Task WriteAsync_AfterDispose_ThrowsIOException()
    {
        var (client, server) = await SocketPairAsync();
        using var peer = server;
        var channels = new ExecChannels(client);
        await channels.DisposeAsync().DefaultTimeout();

        await Assert.ThrowsAsync<IOException>(() => channels.WriteAsync(ExecChannels.StdIn, new byte[] { 1 }, CancellationToken.None).AsTask()).DefaultTimeout();
    }

    [Fact]
    public async Task WriteAsync_Payload_ArrivesAsOneMessageOnItsChannel()
    {
        var (client, server) = await SocketPairAsync();
        using var peer = server;
        await using var channels = new ExecChannels(client);

        await channels.WriteAsync(ExecChannels.StdIn, "hello"u8.ToArray(), CancellationToken.None).DefaultTimeout();

        var buffer = new byte[64];
        var received = await server.ReceiveAsync(buffer, CancellationToken.None).DefaultTimeout();
        Assert.True(received.EndOfMessage);
        Assert.Equal([ExecChannels.StdIn, .. "hello"u8.ToArray()], buffer[..received.Count]);
    }

    private static async Task<(WebSocket Client, WebSocket Server)> SocketPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connecting = new TcpClient();
        await connecting.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port).DefaultTimeout();
        var accepted = await listener.AcceptTcpClientAsync().DefaultTimeout();
        var client = WebSocket.CreateFromStream(connecting.GetStream(), new WebSocketCreationOptions { IsServer = false });
        var server = WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true });
        return (client, server);
    }
}
