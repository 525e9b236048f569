using System.Text.Json;
using System.Text.Json.Serialization;
using Yak.Protocol.Messages;

namespace Yak.Protocol.Transport;

/// <summary>
/// The contract's enums, each written as its camelCase name. One converter per enum type, because the catch-all
/// <see cref="JsonStringEnumConverter"/> builds its converters at run time (MakeGenericType), which a NativeAOT
/// process (yakctl) cannot; a test keeps the list whole.
/// </summary>
public static class ContractEnums
{
    public static IReadOnlyList<JsonConverter> Converters { get; } =
    [
        Camel<DoctorStatus>(),
        Camel<EnvironmentState>(),
        Camel<EnvironmentSyncState>(),
        Camel<ForwardSessionState>(),
        Camel<ImagePath>(),
        Camel<ImageStep>(),
        Camel<MoveStep>(),
        Camel<PortForwardState>(),
        Camel<ServiceState>(),
        Camel<SyncSessionState>(),
    ];

    private static JsonStringEnumConverter<T> Camel<T>()
        where T : struct, Enum => new(JsonNamingPolicy.CamelCase);
}
