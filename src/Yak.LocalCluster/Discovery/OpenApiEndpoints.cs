using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Discovery;

/// <summary>
/// A minimal /openapi/v3: for every kind, a PATCH operation tagged with its group-version-kind that accepts
/// <c>fieldValidation</c>, so kubectl leaves validation to the server. No schemas: kubectl then computes strategic
/// merge patches from its built-in types. /openapi/v2 is not served (404), which kubectl tolerates.
/// </summary>
public static class OpenApiEndpoints
{
    private const string Hash = "yak-local-1";

    public static void MapOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/openapi/v3", context =>
        {
            var paths = new JsonObject();
            foreach (var (group, version) in ResourceCatalog.GroupVersions)
            {
                var key = PathKey(group, version);
                paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash}" };
            }

            return HttpJson.Write(context, 200, new JsonObject { ["paths"] = paths });
        });
        app.MapGet("/openapi/v3/api/v1", context => HttpJson.Write(context, 200, Document("", "v1")));
        app.MapGet("/openapi/v3/apis/{group}/{version}", (HttpContext context, string group, string version) =>
            ResourceCatalog.GroupVersions.Contains((group, version))
                ? HttpJson.Write(context, 200, Document(group, version))
                : HttpJson.WriteError(context, new ApiException(404, "NotFound", "the server could not find the requested resource")));
    }

    private static string PathKey(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static JsonObject Document(string group, string version)
    {
        var paths = new JsonObject();
        foreach (var type in ResourceCatalog.InGroupVersion(group, version))
        {
            var prefix = "/" + PathKey(group, version);
            var path = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}/{{name}}" : $"{prefix}/{type.Plural}/{{name}}";
            paths[path] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{type.Kind}",
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = type.Kind },
                    ["parameters"] = new JsonArray(
                        Query("dryRun"), Query("fieldManager"), Query("fieldValidation"), Query("force")),
                    ["requestBody"] = new JsonObject
                    {
                        ["content"] = new JsonObject
                        {
                            ["application/apply-patch+yaml"] = new JsonObject(),
                            ["application/json-patch+json"] = new JsonObject(),
                            ["application/merge-patch+json"] = new JsonObject(),
                        },
                    },
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (yak-local-cluster emulation)", ["version"] = DiscoveryEndpoints.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Query(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = name == "force" ? "boolean" : "string" },
        ["uniqueItems"] = true,
    };
}
