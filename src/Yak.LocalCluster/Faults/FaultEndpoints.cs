using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Faults;

/// <summary>The admin API under <c>/local-cluster/faults</c> (documented in the project README, FAULTS section).</summary>
public static class FaultEndpoints
{
    public static void MapFaults(IEndpointRouteBuilder app)
    {
        app.MapGet("/local-cluster/faults", context => HttpJson.Write(context, 200, Faults(context).Describe()));
        app.MapDelete("/local-cluster/faults", context =>
        {
            Faults(context).Clear();
            return HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapPost("/local-cluster/faults/fail", async context =>
        {
            var body = await Body(context);
            var count = (int)(Meta.Long(body["count"]) ?? 1);
            var status = (int)(Meta.Long(body["status"]) ?? 503);
            Faults(context).FailNext(count, status);
            await HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapPost("/local-cluster/faults/latency", async context =>
        {
            var body = await Body(context);
            Faults(context).LatencyMilliseconds = (int)(Meta.Long(body["milliseconds"]) ?? 0);
            await HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapPost("/local-cluster/faults/unresponsive", async context =>
        {
            var body = await Body(context);
            var seconds = Meta.Long(body["seconds"]) ?? 5;
            var mode = Meta.Str(body, "mode") ?? "hang";
            if (mode is not ("hang" or "refuse"))
            {
                await HttpJson.WriteError(context, ApiException.BadRequest("mode must be \"hang\" or \"refuse\""));
                return;
            }

            Faults(context).StopAnswering(TimeSpan.FromSeconds(seconds), mode == "refuse");
            await HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapPost("/local-cluster/faults/link", async context =>
        {
            var body = await Body(context);
            if (LinkRequest.Parse(body) is not { } profile)
            {
                await HttpJson.WriteError(context, ApiException.BadRequest(LinkRequest.Problem(body)));
                return;
            }

            Faults(context).Link.Profile = profile;
            await HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapDelete("/local-cluster/faults/link", context =>
        {
            Faults(context).Link.Profile = null;
            return HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapPost("/local-cluster/faults/throttle", async context =>
        {
            var body = await Body(context);
            if (LinkRequest.ParseThrottle(body) is not { } limits)
            {
                await HttpJson.WriteError(context, ApiException.BadRequest(
                    "\"requestsPerSecond\" must be a number in (0, 1000000], \"burst\" an integer in [1, 1000000] and \"share\" a number in [0, 1); give a rate, a share or both"));
                return;
            }

            Faults(context).Throttle.Limits = limits;
            await HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapDelete("/local-cluster/faults/throttle", context =>
        {
            Faults(context).Throttle.Limits = null;
            return HttpJson.Write(context, 200, Faults(context).Describe());
        });
        app.MapPost("/local-cluster/faults/drop-streams", context =>
        {
            var (watches, streams) = Faults(context).DropStreams();
            return HttpJson.Write(context, 200, new JsonObject { ["watches"] = watches, ["streams"] = streams });
        });
        app.MapPost("/local-cluster/faults/kill", async context =>
        {
            var body = await Body(context);
            var ns = Meta.Str(body, "namespace") ?? "default";
            var pod = Meta.Str(body, "pod");
            var container = Meta.Str(body, "container");
            if (pod is null || container is null)
            {
                await HttpJson.WriteError(context, ApiException.BadRequest("\"pod\" and \"container\" are required"));
                return;
            }

            var killed = Faults(context).KillContainer(ns, pod, container);
            await HttpJson.Write(context, killed ? 200 : 404, new JsonObject { ["killed"] = killed });
        });
    }

    private static FaultInjector Faults(HttpContext context) => context.RequestServices.GetRequiredService<FaultInjector>();

    private static async Task<JsonObject> Body(HttpContext context)
    {
        var text = await HttpJson.ReadBody(context);
        return string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text) as JsonObject ?? new JsonObject();
    }
}
