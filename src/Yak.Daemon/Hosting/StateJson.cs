using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Hosting;

/// <summary>
/// The options yakd's state files are read and written with: the contract's shape (<see cref="YakJson"/>: camelCase,
/// enum names, nullability), <see cref="StateJsonContext"/>'s compiled metadata first.
/// </summary>
internal static class StateJson
{
    public static JsonSerializerOptions Options { get; } = Create(YakJson.Options);

    public static JsonSerializerOptions Indented { get; } = Create(YakJson.Indented);

    private static JsonSerializerOptions Create(JsonSerializerOptions contract)
    {
        var options = new JsonSerializerOptions(contract)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(StateJsonContext.Default, contract.TypeInfoResolver),
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The compiled metadata of <typeparamref name="T"/> under <paramref name="options"/>; a type missing from <see cref="StateJsonContext"/> throws.</summary>
    public static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) =>
        StateJsonContext.Default.GetTypeInfo(typeof(T)) is null
            ? throw new InvalidOperationException($"{typeof(T)} is not in StateJsonContext: add it there.")
            : (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
