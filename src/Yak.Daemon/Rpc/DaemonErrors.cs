using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Rpc;

/// <summary>
/// A failure said in the user's words, with the contract's error code and the catalogue's code (docs/errors/).
/// Managers throw these; <c>DaemonJsonRpc</c> turns them into JSON-RPC errors whose data is an <see cref="RpcErrorInfo"/>,
/// the one place where domain errors meet the wire.
/// </summary>
internal abstract class DaemonException(string message, YakError error, string? fix = null, Exception? inner = null) : Exception(message, inner)
{
    public abstract int ErrorCode { get; }

    /// <summary>The catalogue entry: its code goes to the client, its fix unless a more specific one was given.</summary>
    public YakError Error { get; } = error;

    public string Fix { get; } = fix ?? error.Fix;

    /// <summary>Structured detail for clients (the JSON-RPC error's <c>data</c>).</summary>
    public virtual RpcErrorInfo ErrorData => new() { Code = Error.Code, Fix = Fix, DaemonProtocolVersion = null, MinimumProtocolVersion = null };
}

/// <summary>The named session, forward, environment or service does not exist.</summary>
internal sealed class NotFoundException(string message) : DaemonException(message, YakErrors.NotFound)
{
    public override int ErrorCode => ErrorCodes.NotFound;
}

/// <summary>The request's values are not acceptable; the message says which and how to fix them.</summary>
internal sealed class InvalidArgumentException(string message, YakError? error = null, string? fix = null)
    : DaemonException(message, error ?? YakErrors.InvalidArgument, fix)
{
    public override int ErrorCode => ErrorCodes.InvalidArgument;
}

/// <summary>A method other than <c>daemon/hello</c> came before the handshake.</summary>
internal sealed class HandshakeRequiredException(string message) : DaemonException(message, YakErrors.HandshakeRequired)
{
    public override int ErrorCode => ErrorCodes.HandshakeRequired;
}

/// <summary>The client speaks a protocol version this yakd does not; the data carries the versions it does.</summary>
internal sealed class IncompatibleProtocolException(string message) : DaemonException(message, YakErrors.IncompatibleProtocol)
{
    public override int ErrorCode => ErrorCodes.IncompatibleProtocol;

    public override RpcErrorInfo ErrorData => new()
    {
        Code = Error.Code,
        Fix = Fix,
        DaemonProtocolVersion = ProtocolVersion.Current,
        MinimumProtocolVersion = ProtocolVersion.MinimumSupported,
    };
}

/// <summary>The operation was tried and failed (cluster refused, unreachable…); the message says why.</summary>
internal sealed class OperationFailedException(string message, Exception? inner = null, YakError? error = null, string? fix = null)
    : DaemonException(message, error ?? YakErrors.ClusterRefused, fix, inner)
{
    /// <summary>JSON-RPC's generic server error, as a plain <c>LocalRpcException</c> had.</summary>
    public override int ErrorCode => (int)StreamJsonRpc.Protocol.JsonRpcErrorCode.InvocationError;
}
