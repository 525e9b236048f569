using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Serialization;
using Yak.LocalCluster.Storage;
using Yak.LocalCluster.Watch;

namespace Yak.LocalCluster.Api;

/// <summary>The generic REST handlers for every resource in <see cref="ResourceCatalog"/>.</summary>
public static class ResourceEndpoints
{
    public static void MapResources(this IEndpointRouteBuilder app)
    {
        app.Map("/api/v1/{**path}", context => Handle(context, "", "v1", context.Request.RouteValues["path"] as string));
        app.Map("/apis/{group}/{version}/{**path}", context => Handle(
            context,
            context.Request.RouteValues["group"] as string ?? "",
            context.Request.RouteValues["version"] as string ?? "",
            context.Request.RouteValues["path"] as string));
    }

    private static async Task Handle(HttpContext context, string group, string version, string? path)
    {
        try
        {
            var segments = (path ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
            var target = RequestTarget.Parse(group, version, segments)
                ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
            var api = context.RequestServices.GetRequiredService<ClusterApi>();
            if ((context.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase))
            {
                await TranscodeProtobuf(context);
            }

            await Dispatch(context, api, target);
        }
        catch (ApiException e)
        {
            if (!context.Response.HasStarted)
            {
                await HttpJson.WriteError(context, e);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            // A body of an unexpected shape: report it like the apiserver reports decoding errors.
            if (!context.Response.HasStarted)
            {
                await HttpJson.WriteError(context, ApiException.BadRequest($"the request could not be processed: {e.Message}"));
            }
        }
    }

    private static async Task Dispatch(HttpContext context, ClusterApi api, RequestTarget target)
    {
        var method = context.Request.Method;
        var type = target.Type;
        if (target.IsCollection)
        {
            switch (method)
            {
                case "GET" when HttpJson.Flag(context, "watch"):
                    await WatchStream.Serve(context, api.Store, target);
                    return;
                case "GET":
                    await List(context, api, target);
                    return;
                case "POST" when target.Namespace is not null || !type.Namespaced:
                    var created = api.Create(type, target.Namespace ?? "", await HttpJson.ReadObject(context), WriteOptionsOf(context));
                    await HttpJson.Write(context, 201, created);
                    return;
                case "DELETE" when target.Namespace is not null || !type.Namespaced:
                    var filter = Filter(context);
                    var deleted = api.DeleteCollection(type, type.Namespaced ? target.Namespace : null, filter, await DeleteOptionsOf(context));
                    await HttpJson.Write(context, 200, ListOf(type, deleted, api.Store.CurrentResourceVersion));
                    return;
                default:
                    throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
            }
        }

        var ns = target.Namespace ?? "";
        var name = target.Name!;
        var sub = target.Subresource;
        if (sub is not null && !type.HasSubresource(sub))
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        if (sub == "scale")
        {
            await Scale(context, api, type, ns, name);
            return;
        }

        if (sub is not null and not "status" and not "finalize")
        {
            // exec, attach, portforward and log are served by the node's stream endpoints.
            throw new ApiException(404, "NotFound", $"the server could not find the requested resource ({sub} is not served)");
        }

        var subresource = sub == "finalize" ? "status" : sub;
        switch (method)
        {
            case "GET" when sub is null && TableConverter.Wanted(context.Request.Headers.Accept.ToString()):
            {
                var obj = api.Get(type, ns, name);
                await WriteTable(context, TableConverter.Table(type, [obj], Meta.Str(obj["metadata"], "resourceVersion") ?? "", IncludeObject(context)));
                return;
            }

            case "GET":
                await HttpJson.Write(context, 200, api.Get(type, ns, name));
                return;
            case "PUT":
                await HttpJson.Write(context, 200, api.Replace(type, ns, name, await HttpJson.ReadObject(context), WriteOptionsOf(context), subresource));
                return;
            case "PATCH":
            {
                var contentType = context.Request.ContentType ?? "";
                if (contentType.StartsWith("application/apply-patch", StringComparison.OrdinalIgnoreCase) && HttpJson.Query(context, "fieldManager") is null)
                {
                    throw new ApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
                }

                var existed = api.TryGet(type, ns, name) is not null;
                var patched = api.Patch(type, ns, name, contentType, await HttpJson.ReadBody(context), WriteOptionsOf(context), subresource);
                await HttpJson.Write(context, existed ? 200 : 201, patched);
                return;
            }

            case "DELETE" when sub is null:
            {
                var (obj, removed) = api.Delete(type, ns, name, await DeleteOptionsOf(context));
                await HttpJson.Write(context, 200, removed && !type.ReturnsDeletedObject ? ApiException.Success(type, name, Meta.Uid(obj)) : obj);
                return;
            }

            default:
                throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    /// <summary>Replaces a protobuf request body by its JSON form (kinds in ProtobufSchema; others are answered 415).</summary>
    private static async Task TranscodeProtobuf(HttpContext context)
    {
        var json = ProtobufDecoder.Decode(await HttpJson.ReadBodyBytes(context))
            ?? throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (yak-local-cluster decodes protobuf only for a few kinds)");
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = context.Request.Body.Length;
    }

    private static async Task List(HttpContext context, ClusterApi api, RequestTarget target)
    {
        var (items, rv) = api.Store.List(target.Type, target.Type.Namespaced ? target.Namespace : null, Filter(context));
        if (TableConverter.Wanted(context.Request.Headers.Accept.ToString()))
        {
            await WriteTable(context, TableConverter.Table(target.Type, items, rv.ToString(CultureInfo.InvariantCulture), IncludeObject(context)));
            return;
        }

        await HttpJson.Write(context, 200, ListOf(target.Type, items, rv));
    }

    /// <summary>includeObject: None, Metadata (default) or Object (kubectl asks for it to --sort-by a field outside metadata).</summary>
    private static TableObjects IncludeObject(HttpContext context) => HttpJson.Query(context, "includeObject") switch
    {
        "None" => TableObjects.None,
        "Object" => TableObjects.Object,
        _ => TableObjects.Metadata,
    };

    private static async Task WriteTable(HttpContext context, JsonObject table)
    {
        await HttpJson.Write(context, 200, table, TableConverter.ContentType);
    }

    public static JsonObject ListOf(ResourceType type, IEnumerable<JsonObject> items, long rv) => new()
    {
        ["kind"] = type.ListKind,
        ["apiVersion"] = type.GroupVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
        ["items"] = new JsonArray(items.Cast<JsonNode>().ToArray()),
    };

    public static Func<JsonObject, bool> Filter(HttpContext context)
    {
        var labels = Selectors.ParseLabelSelector(HttpJson.Query(context, "labelSelector"));
        var fields = Selectors.ParseFieldSelector(HttpJson.Query(context, "fieldSelector"));
        return o => labels(o) && fields(o);
    }

    private static WriteOptions WriteOptionsOf(HttpContext context)
    {
        var user = Auth.RequestGuard.UserOf(context);
        var authorizer = context.RequestServices.GetRequiredService<Auth.RbacAuthorizer>();
        return new(
            HttpJson.FieldManager(context),
            HttpJson.Query(context, "dryRun") == "All",
            HttpJson.Flag(context, "force"),
            (type, obj) => Auth.RbacEscalation.Check(authorizer, user, type, obj));
    }

    private static async Task<DeleteOptions> DeleteOptionsOf(HttpContext context)
    {
        var body = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
            ? Apply.YamlJson.Parse(await HttpJson.ReadBody(context)) as JsonObject
            : null;
        var grace = Meta.Long(body?["gracePeriodSeconds"]);
        if (HttpJson.Query(context, "gracePeriodSeconds") is { } g && long.TryParse(g, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            grace = parsed;
        }

        var propagation = HttpJson.Query(context, "propagationPolicy") ?? Meta.Str(body, "propagationPolicy");
        if (propagation is null && body?["orphanDependents"] is JsonValue orphan && orphan.TryGetValue<bool>(out var o) && o)
        {
            propagation = "Orphan";
        }

        var dryRun = HttpJson.Query(context, "dryRun") == "All" || (body?["dryRun"] as JsonArray)?.Any(d => d?.GetValue<string>() == "All") == true;
        return new DeleteOptions(grace, propagation, Meta.Str(body?["preconditions"], "uid"), Meta.Str(body?["preconditions"], "resourceVersion"), dryRun);
    }

    private static async Task Scale(HttpContext context, ClusterApi api, ResourceType type, string ns, string name)
    {
        switch (context.Request.Method)
        {
            case "GET":
                await HttpJson.Write(context, 200, ScaleOf(api.Get(type, ns, name)));
                return;
            case "PUT":
            case "PATCH":
            {
                var current = ScaleOf(api.Get(type, ns, name));
                var body = await HttpJson.ReadBody(context);
                JsonNode? desired;
                if (context.Request.Method == "PUT")
                {
                    desired = Apply.YamlJson.Parse(body);
                }
                else
                {
                    var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
                    var patch = JsonNode.Parse(body);
                    desired = contentType == "application/json-patch+json" && patch is JsonArray ops
                        ? Apply.JsonPatch.Apply(current, ops)
                        : Apply.MergePatch.Apply(current, patch);
                }

                var replicas = Meta.Long(desired?["spec"]?["replicas"]) ?? throw ApiException.BadRequest("spec.replicas is required");
                var updated = api.Modify(type, ns, name, obj =>
                {
                    if (obj["spec"] is not JsonObject spec)
                    {
                        return false;
                    }

                    spec["replicas"] = replicas;
                    return true;
                }) ?? throw ApiException.NotFound(type, name);
                await HttpJson.Write(context, 200, ScaleOf(updated));
                return;
            }

            default:
                throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    private static JsonObject ScaleOf(JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject ?? new JsonObject();
        var selector = obj["spec"]?["selector"]?["matchLabels"] as JsonObject;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata["name"]?.DeepClone(),
                ["namespace"] = metadata["namespace"]?.DeepClone(),
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = metadata["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.DeepClone() },
            ["status"] = new JsonObject
            {
                ["replicas"] = Meta.Long(obj["status"]?["replicas"]) ?? 0,
                ["selector"] = selector is null ? "" : string.Join(",", selector.Select(kv => $"{kv.Key}={kv.Value}")),
            },
        };
    }
}
