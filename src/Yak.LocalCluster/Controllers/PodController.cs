using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Scheduling;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// The node agent's API half: binds new pods to the local node, hands them to the runtime, writes the runtime's
/// status reports back, and finishes graceful deletions (stop the containers, then remove the object).
/// </summary>
internal sealed class PodController(ClusterApi api, IPodRuntime runtime, EventRecorder events, ILogger logger)
{
    private readonly ConcurrentDictionary<string, bool> _started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _stopping = new(StringComparer.Ordinal);

    public void OnStatusChanged(PodStatusUpdate update)
    {
        var status = JsonNode.Parse(KubernetesJson.Serialize(update.Status)) as JsonObject;
        if (status is null)
        {
            return;
        }

        JsonNode? previous = null;
        var written = api.Modify(ResourceCatalog.Pods, update.Namespace, update.Name, pod =>
        {
            if (Meta.Uid(pod) != update.Uid || JsonNode.DeepEquals(pod["status"], status))
            {
                return false;
            }

            previous = pod["status"]?.DeepClone();
            status["qosClass"] ??= pod["status"]?["qosClass"]?.DeepClone();
            pod["status"] = status.DeepClone();
            return true;
        }, "status");
        if (written is not null && previous is not null)
        {
            RecordContainerEvents(written, previous, status);
        }
    }

    /// <summary>An event the node reported (image pulls), recorded on the pod it names if that pod is still the same one.</summary>
    public void OnEventReported(PodEventReport report)
    {
        var pod = api.Store.Get(ResourceCatalog.Pods, report.Namespace, report.Name);
        if (pod is null || Meta.Uid(pod) != report.Uid)
        {
            return;
        }

        if (report.Type == "Warning")
        {
            events.Warning(ResourceCatalog.Pods, pod, "kubelet", report.Reason, report.Message);
        }
        else
        {
            events.Normal(ResourceCatalog.Pods, pod, "kubelet", report.Reason, report.Message);
        }
    }

    /// <summary>Events for container transitions the runtime reported: started, and waiting reasons (back-off, image problems).</summary>
    private void RecordContainerEvents(JsonObject pod, JsonNode previous, JsonObject status)
    {
        foreach (var container in (status["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = Meta.Str(container, "name") ?? "";
            var before = (previous["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "name") == name);
            var waiting = Meta.Str(container["state"]?["waiting"], "reason");
            // Image waiting reasons come with their own events from the node (OnEventReported).
            if (waiting is not null and not "ContainerCreating" and not "ImagePullBackOff" and not "ErrImagePull" and not "ErrImageNeverPull" and not "InvalidImageName"
                && waiting != Meta.Str(before?["state"]?["waiting"], "reason"))
            {
                var (reason, message) = waiting switch
                {
                    "CrashLoopBackOff" => ("BackOff", $"Back-off restarting failed container {name} in pod {Meta.Name(pod)}"),
                    _ => (waiting, Meta.Str(container["state"]?["waiting"], "message") ?? waiting),
                };
                events.Warning(ResourceCatalog.Pods, pod, "kubelet", reason, message);
            }

            var started = Meta.Str(container["state"]?["running"], "startedAt");
            if (started is not null && started != Meta.Str(before?["state"]?["running"], "startedAt"))
            {
                events.Normal(ResourceCatalog.Pods, pod, "kubelet", "Started", $"Started container {name}");
            }
        }
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
                var node = Bind(pod, pods);
                if (node is null)
                {
                    continue;
                }

                pod["spec"]!["nodeName"] = node;
            }

            if (_started.ContainsKey(uid))
            {
                continue;
            }

            var config = PodConfigResolver.Resolve(api, KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString()));
            if (config.Pod is null)
            {
                ReportConfigError(pod, config);
                continue;
            }

            if (_started.TryAdd(uid, true))
            {
                _ = Run(config.Pod, config.Files, stopping);
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

    /// <summary>Schedules the pod (see <see cref="Scheduler"/>): binds it and records Scheduled, or leaves it Pending as Unschedulable with FailedScheduling.</summary>
    private string? Bind(JsonObject pod, IReadOnlyList<JsonObject> pods)
    {
        var ns = Meta.Namespace(pod);
        var name = Meta.Name(pod);
        var volumes = new Scheduling.VolumeBinding(api);
        var (node, message) = Scheduler.Pick(pod, api.Store.List(ResourceCatalog.Nodes, null).Items, pods, volumes.Constraints(pod));
        if (node is null)
        {
            var changed = false;
            var unschedulable = api.Modify(ResourceCatalog.Pods, ns, name, p =>
            {
                var status = p["status"] as JsonObject ?? new JsonObject();
                var before = status.DeepClone();
                Pods.SetCondition(status, "PodScheduled", "False", "Unschedulable", message, withUpdateTime: false);
                p["status"] = status;
                changed = !JsonNode.DeepEquals(before, status);
                return changed;
            }, "status");
            if (changed && unschedulable is not null)
            {
                events.Warning(ResourceCatalog.Pods, unschedulable, "default-scheduler", "FailedScheduling", message);
            }

            return null;
        }

        volumes.BindClaims(pod, node);
        var bound = api.Modify(ResourceCatalog.Pods, ns, name, p =>
        {
            ((JsonObject)p["spec"]!)["nodeName"] = node;
            return true;
        });
        api.Modify(ResourceCatalog.Pods, ns, name, p =>
        {
            var status = p["status"] as JsonObject ?? new JsonObject();
            Pods.SetCondition(status, "PodScheduled", "True", "", "", withUpdateTime: false);
            p["status"] = status;
            return true;
        }, "status");
        if (bound is null)
        {
            return null;
        }

        events.Normal(ResourceCatalog.Pods, bound, "default-scheduler", "Scheduled", $"Successfully assigned {ns}/{name} to {node}");
        return node;
    }

    private async Task Run(V1Pod pod, IReadOnlyDictionary<string, IReadOnlyList<VolumeFile>> files, CancellationToken stopping)
    {
        try
        {
            await runtime.RunPodAsync(pod, files, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Starting pod {Namespace}/{Name} failed", pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        }
    }

    /// <summary>
    /// A missing ConfigMap/Secret (or key) keeps the pod from starting, as the kubelet reports it: the container waits
    /// with <c>CreateContainerConfigError</c> (env) or the pod stays ContainerCreating with <c>FailedMount</c> (volume).
    /// Reconcile tries again on every change, so the pod starts once the object appears.
    /// </summary>
    private void ReportConfigError(JsonObject pod, PodConfigResolver.Result config)
    {
        var changed = false;
        var written = api.Modify(ResourceCatalog.Pods, Meta.Namespace(pod), Meta.Name(pod), p =>
        {
            var status = p["status"] as JsonObject ?? new JsonObject();
            var before = status.DeepClone();
            status["phase"] = "Pending";
            status["containerStatuses"] = new JsonArray((p["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c =>
            {
                var name = Meta.Str(c, "name");
                var waiting = name == config.Container
                    ? new JsonObject { ["reason"] = "CreateContainerConfigError", ["message"] = config.Error }
                    : new JsonObject { ["reason"] = "ContainerCreating" };
                return (JsonNode)new JsonObject
                {
                    ["name"] = name,
                    ["image"] = Meta.Str(c, "image"),
                    ["imageID"] = "",
                    ["ready"] = false,
                    ["started"] = false,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject { ["waiting"] = waiting },
                };
            }).ToArray());
            Pods.SetCondition(status, "Ready", "False", "ContainersNotReady", $"containers with unready status: [{config.Container ?? ""}]", withUpdateTime: false);
            p["status"] = status;
            changed = !JsonNode.DeepEquals(before, status);
            return changed;
        }, "status");
        if (changed && written is not null)
        {
            if (config.VolumeError)
            {
                events.Warning(ResourceCatalog.Pods, written, "kubelet", "FailedMount", config.Error!);
            }
            else
            {
                events.Warning(ResourceCatalog.Pods, written, "kubelet", "Failed", $"Error: {config.Error}");
            }
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
