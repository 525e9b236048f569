using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Yak.LocalCluster.Streams;

public static class PodStreamEndpoints
{
    /// <summary>
    /// Maps the pod subresource streams served by the node: exec, attach, portforward (GET WebSocket upgrades; POST
    /// answers with a Status, since SPDY upgrades are not served) and log. Needs <c>AddPodRuntime</c> and an
    /// <see cref="Api.IPodLookup"/> in the container.
    /// </summary>
    public static IEndpointRouteBuilder MapPodStreams(this IEndpointRouteBuilder endpoints)
    {
        const string pod = "/api/v1/namespaces/{ns}/pods/{name}";
        string[] methods = ["GET", "POST"];
        endpoints.MapMethods($"{pod}/exec", methods, (HttpContext c, string ns, string name) => Limited(c, () => ExecEndpoint.HandleAsync(c, ns, name, attach: false)));
        endpoints.MapMethods($"{pod}/attach", methods, (HttpContext c, string ns, string name) => Limited(c, () => ExecEndpoint.HandleAsync(c, ns, name, attach: true)));
        endpoints.MapMethods($"{pod}/portforward", methods, (HttpContext c, string ns, string name) => Limited(c, () => PortForwardEndpoint.HandleAsync(c, ns, name)));
        endpoints.MapGet($"{pod}/log", (HttpContext c, string ns, string name) => Limited(c, () => LogEndpoint.HandleAsync(c, ns, name)));
        return endpoints;
    }

    /// <summary>Holds one of the user's stream slots while the stream is open (429 when they hold the maximum).</summary>
    private static async Task Limited(HttpContext context, Func<Task> stream)
    {
        IDisposable? slot;
        try
        {
            slot = Api.ClientLimits.EnterStream(context);
        }
        catch (Api.ApiException e)
        {
            await Api.HttpJson.WriteError(context, e);
            return;
        }

        using (slot)
        {
            await stream();
        }
    }
}
