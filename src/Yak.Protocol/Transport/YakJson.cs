using System.Text.Json;
using System.Text.Json.Serialization;

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
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
