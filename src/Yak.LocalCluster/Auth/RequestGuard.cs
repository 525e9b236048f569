using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// The first thing every request meets. Refuses what a browser page could send (an <c>Origin</c>, or a <c>Host</c>
/// other than the address the server listens on — DNS rebinding), then requires a bearer token of a configured user or a service account's bound token
/// (header, or the WebSocket subprotocol <c>base64url.bearer.authorization.k8s.io.*</c> as the apiserver accepts),
/// then a body in a format the API reads (JSON, YAML, protobuf, the patch types): anything else is 415 before a
/// handler sees it, so a <c>text/plain</c> form post creates nothing.
/// </summary>
public sealed class RequestGuard(RequestDelegate next, TokenFile tokens, ServiceAccountTokens serviceAccounts, RbacAuthorizer authorizer)
{
    private const string BearerProtocolPrefix = "base64url.bearer.authorization.k8s.io.";

    private static readonly string[] BodyTypes =
    [
        "application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/json-patch+json",
        "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml",
        "application/apply-patch+cbor",
    ];

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Headers.Origin.Count > 0)
        {
            await Refuse(context, 403, "Forbidden", "requests from a web page (with an Origin header) are refused: this API serves command-line clients only");
            return;
        }

        if (!IsBoundHost(context))
        {
            await Refuse(context, 403, "Forbidden", $"Host \"{context.Request.Host}\" is not the address this server listens on (127.0.0.1:{context.Connection.LocalPort.ToString(CultureInfo.InvariantCulture)})");
            return;
        }

        var user = Authenticate(context);
        if (user is null)
        {
            // Exactly the apiserver's answer to a missing or unknown token.
            await Refuse(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        context.Items[typeof(ClusterUser)] = user;
        var attributes = RequestAttributes.From(context);
        if (!authorizer.Allows(user, attributes, out _))
        {
            await HttpJson.WriteError(context, RbacAuthorizer.Forbidden(user, attributes));
            return;
        }

        if (HasBody(context) && !IsAcceptedBody(context.Request.ContentType))
        {
            await Refuse(context, 415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format ({(string.IsNullOrEmpty(context.Request.ContentType) ? "no Content-Type" : context.Request.ContentType)}) - accepted media types include: {string.Join(", ", BodyTypes)}");
            return;
        }

        try
        {
            await next(context);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await HttpJson.WriteError(context, e);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            // Kestrel's own limits (body size, header size) answered as Status objects too.
            await Refuse(context, e.StatusCode, e.StatusCode == 413 ? "RequestEntityTooLarge" : "BadRequest", e.Message);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException or InvalidCastException && !context.Response.HasStarted)
        {
            await Refuse(context, 400, "BadRequest", $"the request could not be processed: {e.Message}");
        }
    }

    /// <summary>The authenticated user of a request that passed the guard.</summary>
    public static ClusterUser UserOf(HttpContext context) =>
        context.Items[typeof(ClusterUser)] as ClusterUser ?? throw new InvalidOperationException("the request did not pass the RequestGuard");

    private ClusterUser? Authenticate(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Authenticate(authorization["Bearer ".Length..].Trim());
        }

        if (authorization.Length > 0)
        {
            return null;
        }

        foreach (var protocol in context.Request.Headers.SecWebSocketProtocol.ToString().Split(',', StringSplitOptions.TrimEntries))
        {
            if (protocol.StartsWith(BearerProtocolPrefix, StringComparison.Ordinal) && DecodeBase64Url(protocol[BearerProtocolPrefix.Length..]) is { } token)
            {
                return Authenticate(token);
            }
        }

        return null;
    }

    private ClusterUser? Authenticate(string token) => tokens.Authenticate(token) ?? serviceAccounts.Authenticate(token);

    private static bool IsBoundHost(HttpContext context)
    {
        var host = context.Request.Host;
        if (!host.HasValue)
        {
            return false;
        }

        var port = host.Port ?? (context.Request.IsHttps ? 443 : 80);
        return port == context.Connection.LocalPort && host.Host is "127.0.0.1" or "localhost";
    }

    private static bool HasBody(HttpContext context) =>
        context.Request.ContentLength > 0 ||
        (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);

    private static bool IsAcceptedBody(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) &&
        BodyTypes.Contains(parsed.MediaType.ToString(), StringComparer.OrdinalIgnoreCase);

    private static string? DecodeBase64Url(string value)
    {
        var padded = value.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(padded));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static Task Refuse(HttpContext context, int code, string reason, string message)
    {
        return HttpJson.Write(context, code, ApiException.Status(code, reason, message));
    }
}
