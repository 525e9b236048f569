using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Yak.Protocol.Transport;

/// <summary>
/// The one JSON shape of the contract: camelCase members, camelCase enum strings. Nulls are written, because
/// every DTO member is <c>required</c> (present), nullable or not.
/// </summary>
public static class YakJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>For <c>--output json</c>: the same names, indented for people.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>An enum value as the wire spells it (<c>RollingOut</c> → <c>rollingOut</c>), for text output.</summary>
    public static string WireName<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The catch-all enum converter is added only when ReflectionAllowed.")]
    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            RespectNullableAnnotations = true,
            TypeInfoResolver = Resolver().WithAddedModifier(OptionalMembers),
        };
        foreach (var converter in ContractEnums.Converters)
        {
            options.Converters.Add(converter);
        }

        if (ReflectionAllowed)
        {
            // Any other enum yakd writes with these options (its state files) in the same shape.
            options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        }

        options.MakeReadOnly();
        return options;
    }

    /// <summary>The metadata of <typeparamref name="T"/> in <paramref name="options"/>: the way to (de)serialize without reflection.</summary>
    public static JsonTypeInfo<T> Info<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary>
    /// The contract's compiled metadata first, then reflection for anything else a caller serializes with these options
    /// (yakd's state files). A process without reflection (the NativeAOT yakctl, <c>JsonSerializer.IsReflectionEnabledByDefault</c>
    /// false) has the compiled metadata only: every type it reads or writes must be compiled (YakJsonContext, yakctl's own).
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The reflection resolver is used only when ReflectionAllowed.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The reflection resolver is used only when ReflectionAllowed.")]
    private static IJsonTypeInfoResolver Resolver() =>
        ReflectionAllowed ? JsonTypeInfoResolver.Combine(new CompiledWithoutOptionalMembers(YakJsonContext.Default), ReflectionResolver()) : YakJsonContext.Default;

    /// <summary>
    /// System.Text.Json's own switch, false in a trimmed or NativeAOT publish; declared as a switch here so the compiler
    /// drops the reflection branches below from such a build (they are unreachable there, hence the suppressions).
    /// </summary>
    [FeatureSwitchDefinition("System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault")]
    private static bool ReflectionAllowed => JsonSerializer.IsReflectionEnabledByDefault;

    [RequiresUnreferencedCode("reflection metadata")]
    [RequiresDynamicCode("reflection metadata")]
    private static DefaultJsonTypeInfoResolver ReflectionResolver() => new();

    /// <summary>
    /// <see cref="OptionalMemberAttribute"/> members may be missing (the property keeps its empty initializer) or
    /// null (read as empty), so a client need not send every default.
    /// </summary>
    private static void OptionalMembers(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        var missing = new List<(JsonPropertyInfo Json, PropertyInfo Clr, object Empty)>();
        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider is not PropertyInfo clr || !clr.IsDefined(typeof(OptionalMemberAttribute), inherit: false))
            {
                continue;
            }

            if (Nullable.GetUnderlyingType(property.PropertyType) is not null)
            {
                // Missing reads as null, under reflection and compiled metadata alike: nothing to put back.
                property.IsRequired = false;
                continue;
            }

            var empty = property.PropertyType == typeof(string) ? string.Empty
                : property.PropertyType == typeof(IReadOnlyList<string>) ? (object)Array.Empty<string>()
                : throw new InvalidOperationException($"{info.Type.Name}.{property.Name}: [OptionalMember] supports string, IReadOnlyList<string> and nullable values.");
            property.IsRequired = false;
            property.CustomConverter = empty is string ? EmptyWhenNull.String : EmptyWhenNull.StringList;
            missing.Add((property, clr, empty));
        }

        if (missing.Count > 0 && !ReflectionAllowed)
        {
            // Compiled metadata (all a NativeAOT yakctl has) reads a missing init-only member as null, not as its
            // initializer (below): put the empty value back once the object is built.
            var built = info.OnDeserialized;
            info.OnDeserialized = value =>
            {
                foreach (var (json, clr, empty) in missing)
                {
                    if (json.Get!(value) is null)
                    {
                        clr.SetValue(value, empty);
                    }
                }

                built?.Invoke(value);
            };
        }
    }

    /// <summary>
    /// Compiled metadata sets init-only members in the object initializer it generates, so a member missing on the wire
    /// would become null instead of keeping its initializer: types with <see cref="OptionalMemberAttribute"/> members
    /// are left to reflection.
    /// </summary>
    private sealed class CompiledWithoutOptionalMembers(IJsonTypeInfoResolver compiled) : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            compiled.GetTypeInfo(type, options) is { } info && !HasOptionalMembers(info) ? info : null;

        private static bool HasOptionalMembers(JsonTypeInfo info) =>
            info.Kind == JsonTypeInfoKind.Object && info.Properties.Any(p => p.AttributeProvider?.IsDefined(typeof(OptionalMemberAttribute), inherit: false) == true);
    }

    /// <summary>Reads JSON null as the empty value; everything else as usual.</summary>
    private sealed class EmptyWhenNull<T>(T empty) : JsonConverter<T>
    {
        public override bool HandleNull => true;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? empty : JsonSerializer.Deserialize(ref reader, options.Info<T>())!;

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, options.Info<T>());
    }

    private static class EmptyWhenNull
    {
        public static readonly JsonConverter String = new EmptyWhenNull<string>(string.Empty);
        public static readonly JsonConverter StringList = new EmptyWhenNull<IReadOnlyList<string>>([]);
    }
}
