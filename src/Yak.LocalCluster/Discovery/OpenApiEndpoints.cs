using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Discovery;

/// <summary>
/// A minimal /openapi/v3: for every kind, a PATCH operation tagged with its group-version-kind that accepts
/// <c>fieldValidation</c>, so kubectl leaves validation to the server. No schemas: kubectl then computes strategic
/// merge patches from its built-in types. /openapi/v2 is an empty document (no definitions): kubectl falls back to it
/// to validate a kind the v3 document does not list (a kind this server does not serve), finds no schema and
/// skips client-side validation, so a multi-document apply goes on to report "no matches for kind" for that
/// document alone and applies the others, as with a real server.
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
        app.MapGet("/openapi/v2", WriteV2);
        app.MapGet("/openapi/v3/api/v1", context => HttpJson.Write(context, 200, Document("", "v1")));
        app.MapGet("/openapi/v3/apis/{group}/{version}", (HttpContext context, string group, string version) =>
            ResourceCatalog.GroupVersions.Contains((group, version))
                ? HttpJson.Write(context, 200, Document(group, version))
                : HttpJson.WriteError(context, new ApiException(404, "NotFound", "the server could not find the requested resource")));
    }

    private const string V2Protobuf = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /// <summary>
    /// An OpenAPI v2 document with no paths or definitions, as protobuf when asked (client-go's discovery asks only for
    /// that: a gnostic <c>openapi_v2.Document</c>) or else JSON.
    /// </summary>
    private static Task WriteV2(HttpContext context)
    {
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("protobuf", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = V2Protobuf;
            return context.Response.Body.WriteAsync(V2ProtobufDocument).AsTask();
        }

        return HttpJson.Write(context, 200, new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (yak-local-cluster emulation)", ["version"] = DiscoveryEndpoints.GitVersion },
            ["paths"] = new JsonObject(),
            ["definitions"] = new JsonObject(),
        });
    }

    /// <summary>openapi_v2.Document: swagger (1) = "2.0", info (2) = {title (1), version (2)}, paths (8) and definitions (9) empty.</summary>
    private static readonly byte[] V2ProtobufDocument = BuildV2Protobuf();

    private static byte[] BuildV2Protobuf()
    {
        static void Field(List<byte> into, int number, byte[] value)
        {
            into.Add((byte)((number << 3) | 2));
            // One-byte length varint: every field here is shorter than 128 bytes.
            into.Add(value.Length < 128 ? (byte)value.Length : throw new InvalidOperationException("field too long for a one-byte length"));
            into.AddRange(value);
        }

        var info = new List<byte>();
        Field(info, 1, System.Text.Encoding.UTF8.GetBytes("Kubernetes (yak-local-cluster emulation)"));
        Field(info, 2, System.Text.Encoding.UTF8.GetBytes(DiscoveryEndpoints.GitVersion));
        var document = new List<byte>();
        Field(document, 1, "2.0"u8.ToArray());
        Field(document, 2, [.. info]);
        Field(document, 8, []);
        Field(document, 9, []);
        return [.. document];
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
