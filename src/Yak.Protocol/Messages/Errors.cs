namespace Yak.Protocol.Messages;

/// <summary>
/// The <c>data</c> of every error yakd returns for a failure of its own: the stable code of the catalogue
/// (docs/errors/), and the fix to print under the message. <c>yakctl explain CODE</c> prints the code's page.
/// </summary>
public sealed class RpcErrorInfo
{
    /// <summary><c>YAK</c> and four digits, e.g. <c>YAK1103</c>.</summary>
    public required string Code { get; init; }

    /// <summary>One line saying what to do: specific to this failure when yakd knows more than the catalogue.</summary>
    public required string Fix { get; init; }

    /// <summary>Highest protocol version yakd speaks: set only with <c>IncompatibleProtocol</c>.</summary>
    public required int? DaemonProtocolVersion { get; init; }

    /// <summary>Lowest protocol version yakd speaks: set only with <c>IncompatibleProtocol</c>.</summary>
    public required int? MinimumProtocolVersion { get; init; }
}
