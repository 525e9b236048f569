using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Discovery;

/// <summary>
/// /version, health checks and legacy discovery. Aggregated discovery (apidiscovery.k8s.io/v2) is not served: answering
/// with plain <c>application/json</c> makes client-go fall back to the legacy documents.
/// </summary>
public static class DiscoveryEndpoints
{
    public const string GitVersion = "v1.32.0-yak-local";

    public static void MapDiscovery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/version", context => HttpJson.Write(context, 200, new JsonObject
        {
            ["major"] = "1",
            ["minor"] = "32",
            ["gitVersion"] = GitVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2026-01-01T00:00:00Z",
            ["goVersion"] = "go1.23 (not Go: yak-local-cluster is a .NET emulation, not Kubernetes)",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        }));
        foreach (var health in new[] { "/healthz", "/readyz", "/livez" })
        {
            app.MapGet(health, () => Results.Text("ok"));
        }

        app.MapGet("/api", context => HttpJson.Write(context, 200, new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
            {
                ["clientCIDR"] = "0.0.0.0/0",
                ["serverAddress"] = context.Request.Host.ToString(),
            }),
        }));
        app.MapGet("/apis", context => HttpJson.Write(context, 200, new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = new JsonArray(ResourceCatalog.GroupVersions.Where(gv => gv.Group.Length > 0).Select(gv => (JsonNode)Group(gv.Group, gv.Version)).ToArray()),
        }));
        app.MapGet("/api/v1", context => HttpJson.Write(context, 200, ResourceList("", "v1")));
        app.MapGet("/apis/{group}", (HttpContext context, string group) =>
        {
            var gv = ResourceCatalog.GroupVersions.FirstOrDefault(g => g.Group == group && group.Length > 0);
            return gv.Group is null
                ? HttpJson.WriteError(context, new ApiException(404, "NotFound", "the server could not find the requested resource"))
                : HttpJson.Write(context, 200, Group(gv.Group, gv.Version));
        });
        app.MapGet("/apis/{group}/{version}", (HttpContext context, string group, string version) =>
            ResourceCatalog.GroupVersions.Contains((group, version)) && group.Length > 0
                ? HttpJson.Write(context, 200, ResourceList(group, version))
                : HttpJson.WriteError(context, new ApiException(404, "NotFound", "the server could not find the requested resource")));
    }

    private static JsonObject Group(string group, string version)
    {
        var gv = new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(gv),
            ["preferredVersion"] = gv.DeepClone(),
        };
    }

    private static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in ResourceCatalog.InGroupVersion(group, version))
        {
            var main = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = Verbs("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
            };
            if (type.ShortNames.Count > 0)
            {
                main["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode)s).ToArray());
            }

            if (type.Kind is "Pod" or "Service" or "Deployment" or "StatefulSet" or "ReplicaSet")
            {
                main["categories"] = Verbs("all");
            }

            resources.Add(main);
            foreach (var sub in type.Subresources)
            {
                var (kind, verbs, subGroup, subVersion) = sub switch
                {
                    "status" => (type.Kind, Verbs("get", "patch", "update"), null, null),
                    "finalize" => (type.Kind, Verbs("update"), null, null),
                    "scale" => ("Scale", Verbs("get", "patch", "update"), "autoscaling", "v1"),
                    "log" => ("Pod", Verbs("get"), null, null),
                    "exec" => ("PodExecOptions", Verbs("create", "get"), null, null),
                    "attach" => ("PodAttachOptions", Verbs("create", "get"), null, null),
                    "portforward" => ("PodPortForwardOptions", Verbs("create", "get"), null, (string?)null),
                    "token" => ("TokenRequest", Verbs("create"), "authentication.k8s.io", "v1"),
                    _ => (type.Kind, Verbs("get"), null, null),
                };
                var entry = new JsonObject
                {
                    ["name"] = $"{type.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = kind,
                    ["verbs"] = verbs,
                };
                if (subGroup is not null)
                {
                    entry["group"] = subGroup;
                    entry["version"] = subVersion;
                }

                resources.Add(entry);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonArray Verbs(params string[] verbs) => new(verbs.Select(v => (JsonNode)v).ToArray());
}
