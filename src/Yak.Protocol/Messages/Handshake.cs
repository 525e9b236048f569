namespace Yak.Protocol.Messages;

/// <summary>First call on every connection: who the client is and which protocol it speaks.</summary>
public sealed class HelloRequest
{
    public required string ClientName { get; init; }

    public required string ClientVersion { get; init; }

    public required int ProtocolVersion { get; init; }

    public required IReadOnlyList<string> Capabilities { get; init; }
}

public sealed class HelloResponse
{
    public required string DaemonVersion { get; init; }

    public required int ProtocolVersion { get; init; }

    public required int MinimumProtocolVersion { get; init; }

    public required IReadOnlyList<string> Capabilities { get; init; }
}
