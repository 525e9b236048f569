using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Yak.LocalCluster.Api;

/// <summary>Writing JSON answers and reading request options.</summary>
public static class HttpJson
{
    /// <summary>Like the apiserver: quotes escaped as \", not \u0022, so messages stay readable.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonSerializerOptions SerializerOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task Write(HttpContext context, int status, JsonNode body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await using var writer = new Utf8JsonWriter(context.Response.Body, WriterOptions);
        body.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    public static Task WriteError(HttpContext context, ApiException error) => Write(context, error.Code, error.ToStatus());

    public static async Task<string> ReadBody(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    public static async Task<JsonObject> ReadObject(HttpContext context)
    {
        var text = await ReadBody(context);
        try
        {
            return Apply.YamlJson.Parse(text) as JsonObject ?? throw ApiException.BadRequest("the request body must be an object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"error decoding the request body: {e.Message}");
        }
    }

    /// <summary>Kubernetes query booleans: absent is false; "0"/"false" are false; anything else is true.</summary>
    public static bool Flag(HttpContext context, string name)
    {
        var value = context.Request.Query[name].ToString();
        return value.Length > 0 && value != "0" && !value.Equals("false", StringComparison.OrdinalIgnoreCase);
    }

    public static string? Query(HttpContext context, string name)
    {
        var value = context.Request.Query[name].ToString();
        return value.Length == 0 ? null : value;
    }

    /// <summary>The field manager: the query parameter, else the user agent's product name (as the apiserver does).</summary>
    public static string FieldManager(HttpContext context)
    {
        if (Query(context, "fieldManager") is { } manager)
        {
            return manager;
        }

        var agent = context.Request.Headers.UserAgent.ToString();
        var product = agent.Split('/', ' ')[0];
        return product.Length == 0 ? "unknown" : product;
    }
}
