using System.Buffers;
using System.Text.Json;
using Yak.Protocol.Transport;

namespace Yak.Client;

/// <summary>
/// One JSON-RPC 2.0 request written straight to a connection (Content-Length framed, params as one named object in
/// <see cref="YakJson"/>'s shape, as StreamJsonRpc sends it), for the callers that speak without a JsonRpc.
/// </summary>
internal static class RpcRequest
{
    public static async Task WriteAsync(Stream stream, int id, string method, object request, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteNumber("id", id);
            writer.WriteString("method", method);
            writer.WritePropertyName("params");
            JsonSerializer.Serialize(writer, request, YakJson.Options.GetTypeInfo(request.GetType()));
            writer.WriteEndObject();
        }

        await stream.WriteAsync(ContentLengthHeader.Format(body.WrittenCount), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
