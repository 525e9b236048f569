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

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            RespectNullableAnnotations = true,
            // The contract's compiled metadata first; reflection for anything else a caller serializes with these options.
            TypeInfoResolver = JsonTypeInfoResolver.Combine(new CompiledWithoutOptionalMembers(YakJsonContext.Default), new DefaultJsonTypeInfoResolver())
                .WithAddedModifier(OptionalMembers),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

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

        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider?.IsDefined(typeof(OptionalMemberAttribute), inherit: false) != true)
            {
                continue;
            }

            property.IsRequired = false;
            property.CustomConverter = property.PropertyType == typeof(string) ? EmptyWhenNull.String
                : property.PropertyType == typeof(IReadOnlyList<string>) ? EmptyWhenNull.StringList
                : throw new InvalidOperationException($"{info.Type.Name}.{property.Name}: [OptionalMember] supports string and IReadOnlyList<string>.");
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
            HasOptionalMembers(type) ? null : compiled.GetTypeInfo(type, options);

        public static bool HasOptionalMembers(Type type) =>
            type.GetProperties().Any(p => p.IsDefined(typeof(OptionalMemberAttribute), inherit: false));
    }

    /// <summary>Reads JSON null as the empty value; everything else as usual.</summary>
    private sealed class EmptyWhenNull<T>(T empty) : JsonConverter<T>
    {
        public override bool HandleNull => true;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? empty : JsonSerializer.Deserialize<T>(ref reader, options)!;

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, options);
    }

    private static class EmptyWhenNull
    {
        public static readonly JsonConverter String = new EmptyWhenNull<string>(string.Empty);
        public static readonly JsonConverter StringList = new EmptyWhenNull<IReadOnlyList<string>>([]);
    }
}
