using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// <c>POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews</c>: "may I do this?", answered by the same
/// authorizer that guards requests (what <c>kubectl auth can-i</c> asks); <c>selfsubjectrulesreviews</c>: "what may I
/// do in this namespace?" (<c>kubectl auth can-i --list</c>). Nothing is stored.
/// </summary>
public static class AccessReviewEndpoints
{
    public static void MapAccessReviews(this IEndpointRouteBuilder app)
    {
        app.MapPost("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", async context =>
        {
            try
            {
                // kubectl's typed client sends protobuf.
                var review = (context.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase)
                    ? Serialization.ProtobufDecoder.Decode(await HttpJson.ReadBodyBytes(context)) ?? throw new ApiException(415, "UnsupportedMediaType", "the protobuf body is not a SelfSubjectAccessReview")
                    : await HttpJson.ReadObject(context);
                var spec = review["spec"] as JsonObject ?? throw ApiException.BadRequest("spec is required");
                var attributes = spec["resourceAttributes"] is JsonObject r
                    ? new RequestAttributes(
                        Meta.Str(r, "verb") ?? "", true, Meta.Str(r, "group") ?? "", Meta.Str(r, "resource") ?? "", Meta.Str(r, "subresource") ?? "",
                        Meta.Str(r, "namespace") ?? "", Meta.Str(r, "name") ?? "", "")
                    : spec["nonResourceAttributes"] is JsonObject n
                        ? RequestAttributes.NonResource(Meta.Str(n, "verb") ?? "", Meta.Str(n, "path") ?? "")
                        : throw new ApiException(422, "Invalid", "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified");
                var authorizer = context.RequestServices.GetRequiredService<RbacAuthorizer>();
                var allowed = authorizer.Allows(RequestGuard.UserOf(context), attributes, out var reason);
                var status = new JsonObject { ["allowed"] = allowed };
                if (reason.Length > 0)
                {
                    status["reason"] = reason;
                }

                await HttpJson.Write(context, 201, new JsonObject
                {
                    ["kind"] = "SelfSubjectAccessReview",
                    ["apiVersion"] = "authorization.k8s.io/v1",
                    ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                    ["spec"] = spec.DeepClone(),
                    ["status"] = status,
                });
            }
            catch (ApiException e)
            {
                await HttpJson.WriteError(context, e);
            }
        });
        app.MapPost("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", async context =>
        {
            try
            {
                var review = (context.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase)
                    ? Serialization.ProtobufDecoder.Decode(await HttpJson.ReadBodyBytes(context)) ?? throw new ApiException(415, "UnsupportedMediaType", "the protobuf body is not a SelfSubjectRulesReview")
                    : await HttpJson.ReadObject(context);
                var spec = review["spec"] as JsonObject ?? new JsonObject();
                var ns = Meta.Str(spec, "namespace") ?? "";
                var authorizer = context.RequestServices.GetRequiredService<RbacAuthorizer>();
                var (resourceRules, nonResourceRules) = authorizer.RulesFor(RequestGuard.UserOf(context), ns);
                await HttpJson.Write(context, 201, new JsonObject
                {
                    ["kind"] = "SelfSubjectRulesReview",
                    ["apiVersion"] = "authorization.k8s.io/v1",
                    ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                    ["spec"] = new JsonObject { ["namespace"] = ns },
                    ["status"] = new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = false },
                });
            }
            catch (ApiException e)
            {
                await HttpJson.WriteError(context, e);
            }
        });
    }
}
