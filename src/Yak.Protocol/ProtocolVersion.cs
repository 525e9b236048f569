namespace Yak.Protocol;

/// <summary>
/// The version of the JSON-RPC contract. Bump <see cref="Current"/> on any breaking change; raise
/// <see cref="MinimumSupported"/> only when old clients can no longer be served.
/// </summary>
public static class ProtocolVersion
{
    public const int Current = 1;

    public const int MinimumSupported = 1;

    public static bool IsSupported(int version) => version >= MinimumSupported && version <= Current;
}
