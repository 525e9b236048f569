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

    public static Task WriteError(HttpContext context, ApiException error)
    {
        if (error.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Write(context, error.Code, error.ToStatus());
    }

    /// <summary>The largest request body accepted, as the apiserver's default (3 MiB); larger ones are 413.</summary>
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    public static async Task<string> ReadBody(HttpContext context) =>
        System.Text.Encoding.UTF8.GetString(await ReadBodyBytes(context));

    /// <summary>Reads the whole body, refusing (413 <c>RequestEntityTooLarge</c>) once it passes <see cref="MaxBodyBytes"/>.</summary>
    public static async Task<byte[]> ReadBodyBytes(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ApiException TooLarge() =>
        new(413, "RequestEntityTooLarge", $"the request body is larger than {MaxBodyBytes} bytes, the largest this server accepts");

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
