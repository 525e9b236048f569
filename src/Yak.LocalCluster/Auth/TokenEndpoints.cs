using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// <c>POST /api/v1/namespaces/NS/serviceaccounts/NAME/token</c> (the TokenRequest API, <c>kubectl create token</c>) and
/// <c>POST /apis/authentication.k8s.io/v1/selfsubjectreviews</c> ("who am I?", <c>kubectl auth whoami</c>). Both are
/// guarded like every request (create on <c>serviceaccounts/token</c>; any authenticated user may review itself).
/// </summary>
public static class TokenEndpoints
{
    public static void MapTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/namespaces/{ns}/serviceaccounts/{name}/token", async (HttpContext context, string ns, string name) =>
        {
            try
            {
                var request = await ReadAsync(context, "TokenRequest");
                var tokens = context.RequestServices.GetRequiredService<ServiceAccountTokens>();
                await HttpJson.Write(context, 201, tokens.Issue(ns, name, request));
            }
            catch (ApiException e)
            {
                await HttpJson.WriteError(context, e);
            }
        });
        app.MapPost("/apis/authentication.k8s.io/v1/selfsubjectreviews", async context =>
        {
            try
            {
                await ReadAsync(context, "SelfSubjectReview");
                var user = RequestGuard.UserOf(context);
                await HttpJson.Write(context, 201, new JsonObject
                {
                    ["kind"] = "SelfSubjectReview",
                    ["apiVersion"] = "authentication.k8s.io/v1",
                    ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                    ["status"] = new JsonObject
                    {
                        ["userInfo"] = new JsonObject
                        {
                            ["username"] = user.Name,
                            ["uid"] = user.Uid,
                            ["groups"] = new JsonArray([.. user.EffectiveGroups.Select(g => (JsonNode)g)]),
                        },
                    },
                });
            }
            catch (ApiException e)
            {
                await HttpJson.WriteError(context, e);
            }
        });
    }

    private static async Task<JsonObject> ReadAsync(HttpContext context, string kind)
    {
        // kubectl's typed clients send protobuf.
        return (context.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase)
            ? Serialization.ProtobufDecoder.Decode(await HttpJson.ReadBodyBytes(context)) ?? throw new ApiException(415, "UnsupportedMediaType", $"the protobuf body is not a {kind}")
            : context.Request.ContentLength is 0 ? new JsonObject() : await HttpJson.ReadObject(context);
    }
}
