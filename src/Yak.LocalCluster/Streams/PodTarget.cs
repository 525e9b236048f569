using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Streams;

/// <summary>Finds the running pod and container a stream request names, or answers with the Status the API server would.</summary>
internal static class PodTarget
{
    public static async Task<(ProcessPodRuntime Runtime, PodInstance Pod, ContainerRunner Container)?> ResolveAsync(HttpContext context, string ns, string name)
    {
        var lookup = context.RequestServices.GetRequiredService<IPodLookup>();
        var runtime = context.RequestServices.GetRequiredService<ProcessPodRuntime>();
        var pod = lookup.GetPod(ns, name);
        if (pod is null)
        {
            await StreamRequest.WriteStatusAsync(context, 404, "NotFound", $"pods \"{name}\" not found").ConfigureAwait(false);
            return null;
        }

        var instance = runtime.Find(pod.Metadata?.Uid);
        if (instance is null)
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"pod {name} is not running on this node (phase {pod.Status?.Phase ?? "Pending"})").ConfigureAwait(false);
            return null;
        }

        var containerName = context.Request.Query["container"].FirstOrDefault();
        var container = instance.FindContainer(containerName);
        if (container is null)
        {
            var message = string.IsNullOrEmpty(containerName)
                ? $"pod {name} has no containers yet"
                : $"container {containerName} is not valid for pod {name}";
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", message).ConfigureAwait(false);
            return null;
        }

        return (runtime, instance, container);
    }
}
