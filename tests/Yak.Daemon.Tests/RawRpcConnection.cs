using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>
/// Talks to yakd byte by byte, the way a non-.NET client (or a broken one) would: for malformed-input tests
/// and for checking the wire format itself.
/// </summary>
internal sealed class RawRpcConnection : IDisposable
{
    private readonly Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly NetworkStream stream;
    private readonly MemoryStream pending = new();

    private RawRpcConnection(string path)
    {
        socket.Connect(new UnixDomainSocketEndPoint(path));
        stream = new NetworkStream(socket, ownsSocket: false);
    }

    public static RawRpcConnection Open(string path) => new(path);

    public Task SendRawAsync(byte[] bytes) => stream.WriteAsync(bytes).AsTask();

    public Task SendRawAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text));

    public Task SendFramedAsync(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return SendRawAsync([.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body]);
    }

    public async Task<JsonObject> CallAsync(int id, string method, object? parameters)
    {
        await SendFramedAsync(JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params = parameters }));
        return await ReadMessageAsync().DefaultTimeout();
    }

    public Task HelloAsync() => CallAsync(0, "daemon/hello", new { clientName = "raw", clientVersion = "1", protocolVersion = 1, capabilities = Array.Empty<string>() });

    /// <summary>Reads one Content-Length framed message.</summary>
    public async Task<JsonObject> ReadMessageAsync()
    {
        while (true)
        {
            var buffered = pending.ToArray();
            var text = Encoding.ASCII.GetString(buffered);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = int.Parse(text[..end].Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (buffered.Length >= end + 4 + length)
                {
                    var json = Encoding.UTF8.GetString(buffered, end + 4, length);
                    pending.SetLength(0);
                    pending.Write(buffered, end + 4 + length, buffered.Length - end - 4 - length);
                    return JsonNode.Parse(json)!.AsObject();
                }
            }

            var chunk = new byte[4096];
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                throw new EndOfStreamException("yakd closed the connection.");
            }

            pending.Write(chunk, 0, read);
        }
    }

    /// <summary>Completes when yakd closes the connection; fails if it sends a message instead.</summary>
    public async Task WaitForCloseAsync()
    {
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer);
            }
            catch (IOException)
            {
                return;
            }

            if (read == 0)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        stream.Dispose();
        socket.Dispose();
        pending.Dispose();
    }
}
