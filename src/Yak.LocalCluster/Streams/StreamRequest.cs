using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Yak.LocalCluster.Streams;

/// <summary>Query parsing, WebSocket upgrade with subprotocol choice, and Status error bodies for the pod streams.</summary>
internal static class StreamRequest
{
    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>apimachinery's rule: "0" and "false" (any case) are false, any other present value is true.</summary>
    public static bool Flag(HttpContext context, string name, bool fallback = false)
    {
        if (!context.Request.Query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return fallback;
        }

        var value = values[0] ?? string.Empty;
        return !(value == "0" || value.Equals("false", StringComparison.OrdinalIgnoreCase));
    }

    public static long? Number(HttpContext context, string name) =>
        long.TryParse(context.Request.Query[name].FirstOrDefault(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    public static IReadOnlyList<string> OfferedProtocols(HttpContext context) =>
        [.. context.Request.Headers.SecWebSocketProtocol
            .SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))];

    public static bool IsUpgrade(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest ||
        (context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true &&
         string.Equals(context.Request.Headers.Upgrade, "websocket", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Accepts the upgrade echoing <paramref name="protocol"/> (null: no header). HTTP/1.1 upgrades are done here,
    /// with or without the WebSockets middleware in the pipeline: <c>SPDY/3.1+portforward.k8s.io</c> is not an RFC
    /// 6455 token, which the framework's accept refuses, and the subprotocol is only echoed anyway.
    /// </summary>
    public static async Task<WebSocket> AcceptAsync(HttpContext context, string? protocol)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade?.IsUpgradableRequest != true)
        {
            return await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = protocol, KeepAliveInterval = TimeSpan.FromSeconds(20) }).ConfigureAwait(false);
        }

        var key = context.Request.Headers.SecWebSocketKey.ToString();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + WebSocketGuid)));
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = accept;
        if (protocol is not null)
        {
            context.Response.Headers.SecWebSocketProtocol = protocol;
        }

        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(20) });
    }

    /// <summary>Writes a metav1.Status failure (the clients decode it from failed upgrades too).</summary>
    public static Task WriteStatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(StatusJson(code, reason, message).ToJsonString());
    }

    public static JsonObject StatusJson(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };
}
