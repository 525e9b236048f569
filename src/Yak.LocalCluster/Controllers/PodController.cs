using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// The node agent's API half: binds new pods to the local node, hands them to the runtime, writes the runtime's
/// status reports back, and finishes graceful deletions (stop the containers, then remove the object).
/// </summary>
internal sealed class PodController(ClusterApi api, IPodRuntime runtime, ILogger logger)
{
    public const string NodeName = "yak-local";

    private readonly ConcurrentDictionary<string, bool> _started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _stopping = new(StringComparer.Ordinal);

    public void OnStatusChanged(PodStatusUpdate update)
    {
        var status = JsonNode.Parse(KubernetesJson.Serialize(update.Status)) as JsonObject;
        if (status is null)
        {
            return;
        }

        api.Modify(ResourceCatalog.Pods, update.Namespace, update.Name, pod =>
        {
            if (Meta.Uid(pod) != update.Uid || JsonNode.DeepEquals(pod["status"], status))
            {
                return false;
            }

            status["qosClass"] ??= pod["status"]?["qosClass"]?.DeepClone();
            pod["status"] = status.DeepClone();
            return true;
        }, "status");
    }

    public void Reconcile(CancellationToken stopping)
    {
        var pods = api.Store.List(ResourceCatalog.Pods, null).Items;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var uid = Meta.Uid(pod);
            live.Add(uid);
            if (Meta.IsDeleting(pod))
            {
                if (_stopping.TryAdd(uid, true))
                {
                    var grace = TimeSpan.FromSeconds(Meta.Long(pod["metadata"]?["deletionGracePeriodSeconds"]) ?? 0);
                    _ = StopThenRemove(Meta.Namespace(pod), Meta.Name(pod), uid, grace, stopping);
                }

                continue;
            }

            if (Meta.Str(pod["status"], "phase") is "Succeeded" or "Failed" && !_started.ContainsKey(uid))
            {
                continue;
            }

            if (string.IsNullOrEmpty(Meta.Str(pod["spec"], "nodeName")))
            {
                var bound = api.Modify(ResourceCatalog.Pods, Meta.Namespace(pod), Meta.Name(pod), p =>
                {
                    ((JsonObject)p["spec"]!)["nodeName"] = NodeName;
                    return true;
                });
                api.Modify(ResourceCatalog.Pods, Meta.Namespace(pod), Meta.Name(pod), p =>
                {
                    var status = p["status"] as JsonObject ?? new JsonObject();
                    Pods.SetCondition(status, "PodScheduled", "True", "Scheduled", $"bound to {NodeName}", withUpdateTime: false);
                    p["status"] = status;
                    return true;
                }, "status");
                if (bound is null)
                {
                    continue;
                }

                pod["spec"]!["nodeName"] = NodeName;
            }

            if (_started.TryAdd(uid, true))
            {
                _ = Run(pod, stopping);
            }
        }

        // Pods removed without a graceful stop (grace period 0, namespace purge): make sure their processes end.
        foreach (var uid in _started.Keys.Where(u => !live.Contains(u)).ToList())
        {
            _started.TryRemove(uid, out _);
            if (_stopping.TryAdd(uid, true))
            {
                _ = Stop(uid, TimeSpan.Zero, stopping);
            }
        }
    }

    private async Task Run(JsonObject pod, CancellationToken stopping)
    {
        try
        {
            var model = KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString());
            await runtime.RunPodAsync(model, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Starting pod {Namespace}/{Name} failed", Meta.Namespace(pod), Meta.Name(pod));
        }
    }

    private async Task StopThenRemove(string ns, string name, string uid, TimeSpan grace, CancellationToken stopping)
    {
        await Stop(uid, grace, stopping);
        api.FinishPodDeletion(ns, name, uid);
    }

    private async Task Stop(string uid, TimeSpan grace, CancellationToken stopping)
    {
        try
        {
            await runtime.StopPodAsync(uid, grace, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Stopping pod {Uid} failed", uid);
        }
        finally
        {
            _started.TryRemove(uid, out _);
        }
    }
}
