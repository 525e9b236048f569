using Yak.Protocol;

namespace Yak.Daemon.Rpc;

/// <summary>
/// A failure said in the user's words, with the contract's error code. Managers throw these; <c>DaemonJsonRpc</c>
/// turns them into JSON-RPC errors, the one place where domain errors meet the wire.
/// </summary>
internal abstract class DaemonException(string message, Exception? inner = null) : Exception(message, inner)
{
    public abstract int ErrorCode { get; }

    /// <summary>Structured detail for clients (the JSON-RPC error's <c>data</c>), or null.</summary>
    public virtual object? ErrorData => null;
}

/// <summary>The named session, forward, environment or service does not exist.</summary>
internal sealed class NotFoundException(string message) : DaemonException(message)
{
    public override int ErrorCode => ErrorCodes.NotFound;
}

/// <summary>The request's values are not acceptable; the message says which and how to fix them.</summary>
internal sealed class InvalidArgumentException(string message) : DaemonException(message)
{
    public override int ErrorCode => ErrorCodes.InvalidArgument;
}

/// <summary>A method other than <c>daemon/hello</c> came before the handshake.</summary>
internal sealed class HandshakeRequiredException(string message) : DaemonException(message)
{
    public override int ErrorCode => ErrorCodes.HandshakeRequired;
}

/// <summary>The client speaks a protocol version this yakd does not; the data carries the versions it does.</summary>
internal sealed class IncompatibleProtocolException(string message, object data) : DaemonException(message)
{
    public override int ErrorCode => ErrorCodes.IncompatibleProtocol;

    public override object? ErrorData => data;
}

/// <summary>The operation was tried and failed (cluster refused, unreachable…); the message says why.</summary>
internal sealed class OperationFailedException(string message, Exception? inner = null) : DaemonException(message, inner)
{
    /// <summary>JSON-RPC's generic server error, as a plain <c>LocalRpcException</c> had.</summary>
    public override int ErrorCode => (int)StreamJsonRpc.Protocol.JsonRpcErrorCode.InvocationError;
}
