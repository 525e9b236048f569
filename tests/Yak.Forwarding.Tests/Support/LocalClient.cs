using System.Net;
using System.Net.Sockets;
using System.Text;
using Yak.Testing;

namespace Yak.Forwarding.Tests.Support;

/// <summary>A test client of a forward's local port (127.0.0.1 only).</summary>
internal static class LocalClient
{
    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).DefaultTimeout();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks the echo server behind the forward which pod it is.</summary>
    public static async Task<string> WhoAsync(int port)
    {
        using var socket = await ConnectAsync(port);
        await socket.SendAsync("WHO\n"u8.ToArray()).DefaultTimeout();
        var answer = await ReadToEndAsync(socket);
        var text = Encoding.ASCII.GetString(answer).Trim();
        return text.Length > 0 ? text : throw new IOException("the forward closed the connection without an answer");
    }

    /// <summary>Reads until EOF; a reset surfaces as <see cref="SocketException"/>.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[128 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer).DefaultTimeout()) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return received.ToArray();
    }

    /// <summary>Sends <paramref name="payload"/> while reading the echo, half-closes, and returns everything read until EOF.</summary>
    public static async Task<byte[]> EchoAsync(Socket socket, byte[] payload)
    {
        var reading = Task.Run(() => ReadToEndAsync(socket));
        for (var offset = 0; offset < payload.Length; offset += 256 * 1024)
        {
            await socket.SendAsync(payload.AsMemory(offset, Math.Min(256 * 1024, payload.Length - offset))).DefaultTimeout();
        }

        socket.Shutdown(SocketShutdown.Send);
        return await reading.DefaultTimeout();
    }
}
