using StreamJsonRpc;

namespace Yak.Protocol.Transport;

/// <summary>
/// How both ends frame and encode messages: JSON-RPC 2.0, Content-Length headers (as LSP), System.Text.Json.
/// Daemon and clients must build their handlers here so the two can never drift apart.
/// </summary>
public static class RpcWire
{
    /// <summary>Largest message either side accepts; a header announcing more closes the connection.</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>Largest header block (all header lines) accepted before the body.</summary>
    public const int MaxHeaderBytes = 8 * 1024;

    public static IJsonRpcMessageHandler CreateHandler(Stream sending, Stream receiving) =>
        new ContentLengthMessageHandler(sending, receiving, CreateFormatter());

    public static SystemTextJsonFormatter CreateFormatter() => new() { JsonSerializerOptions = new(YakJson.Options) };
}
