namespace Yak.Protocol;

/// <summary>
/// Application error codes carried in JSON-RPC error responses (the -32000..-32099 server range). The standard
/// codes (-32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid params) keep their
/// JSON-RPC meaning.
/// </summary>
public static class ErrorCodes
{
    /// <summary>The client's protocol version is outside what the daemon supports.</summary>
    public const int IncompatibleProtocol = -32001;

    /// <summary>A method other than <c>daemon/hello</c> was called before the handshake.</summary>
    public const int HandshakeRequired = -32002;

    /// <summary>The named session, forward or environment does not exist.</summary>
    public const int NotFound = -32004;

    /// <summary>The request was understood but its values are not acceptable (message says which and why).</summary>
    public const int InvalidArgument = -32005;

    /// <summary>The daemon is shutting down and takes no new work.</summary>
    public const int ShuttingDown = -32006;
}
