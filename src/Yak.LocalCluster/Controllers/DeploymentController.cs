using System.Globalization;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// Deployment → ReplicaSets: one ReplicaSet per pod template (label <c>pod-template-hash</c>); a rolling update scales
/// the new one up within maxSurge and the old ones down only as new pods become Ready (maxUnavailable), or Recreate.
/// Reports the status <c>kubectl rollout status</c> reads.
/// </summary>
internal sealed class DeploymentController(ClusterApi api, EventRecorder events)
{
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public void Reconcile()
    {
        foreach (var deployment in api.Store.List(ResourceCatalog.Deployments, null).Items)
        {
            if (!Meta.IsDeleting(deployment))
            {
                ReconcileOne(deployment);
            }
        }
    }

    private void ReconcileOne(JsonObject deployment)
    {
        var ns = Meta.Namespace(deployment);
        var name = Meta.Name(deployment);
        var uid = Meta.Uid(deployment);
        var template = deployment["spec"]?["template"] as JsonObject ?? new JsonObject();
        var hash = Pods.TemplateHash(template);
        var owned = api.Store.List(ResourceCatalog.ReplicaSets, ns, rs => Pods.IsOwnedBy(rs, uid) && !Meta.IsDeleting(rs)).Items;
        var newRs = owned.FirstOrDefault(rs => Meta.Label(rs, "pod-template-hash") == hash);
        var oldRs = owned.Where(rs => rs != newRs).ToList();
        var maxRevision = owned.Select(Revision).DefaultIfEmpty(0).Max();
        var replicas = Pods.Replicas(deployment);

        var paused = deployment["spec"]?["paused"] is JsonValue pausedValue && pausedValue.TryGetValue<bool>(out var isPaused) && isPaused;
        var templateCurrent = newRs is not null;
        if (newRs is null && paused)
        {
            // No new rollout while paused: the newest existing replica set keeps serving (and scaling).
            newRs = owned.OrderByDescending(Revision).FirstOrDefault();
            if (newRs is null)
            {
                return;
            }

            oldRs = owned.Where(rs => rs != newRs).ToList();
        }
        else if (newRs is null)
        {
            templateCurrent = true;
            newRs = CreateReplicaSet(deployment, template, hash, maxRevision + 1);
            if (newRs is null)
            {
                return;
            }
        }
        else if (templateCurrent && Revision(newRs) < maxRevision)
        {
            // A rollback to an older template: it becomes the newest revision again.
            SetRevision(newRs, maxRevision + 1);
        }

        var podsByRs = owned.Append(newRs).Distinct().ToDictionary(
            Meta.Uid,
            rs => api.Store.List(ResourceCatalog.Pods, ns, p => Pods.IsOwnedBy(p, Meta.Uid(rs))).Items);
        int Active(JsonObject rs) => podsByRs[Meta.Uid(rs)].Count(Pods.IsActive);
        int Ready(JsonObject rs) => podsByRs[Meta.Uid(rs)].Count(Pods.IsReady);
        int Spec(JsonObject rs) => Pods.Replicas(rs);

        var strategy = deployment["spec"]?["strategy"];
        var maxUnavailable = 0;
        if (Meta.Str(strategy, "type") == "Recreate")
        {
            foreach (var rs in oldRs.Where(rs => Spec(rs) > 0))
            {
                Scale(deployment, rs, 0);
            }

            if (oldRs.All(rs => podsByRs[Meta.Uid(rs)].Count == 0) && Spec(newRs) != replicas)
            {
                Scale(deployment, newRs, replicas);
            }
        }
        else
        {
            var rolling = strategy?["rollingUpdate"];
            var maxSurge = Pods.IntOrPercent(rolling?["maxSurge"], replicas, roundUp: true, fallback: 1);
            maxUnavailable = Pods.IntOrPercent(rolling?["maxUnavailable"], replicas, roundUp: false, fallback: 0);
            if (maxSurge == 0 && maxUnavailable == 0)
            {
                maxUnavailable = 1;
            }

            var totalSpec = owned.Append(newRs).Distinct().Sum(Spec);
            if (Spec(newRs) > replicas)
            {
                Scale(deployment, newRs, replicas);
            }
            else if (Spec(newRs) < replicas)
            {
                var allowed = replicas + maxSurge - totalSpec;
                if (allowed > 0)
                {
                    Scale(deployment, newRs, Math.Min(replicas, Spec(newRs) + allowed));
                }
            }

            var minAvailable = replicas - maxUnavailable;
            var totalReady = owned.Append(newRs).Distinct().Sum(Ready);
            var newUnavailable = Math.Max(0, Spec(newRs) - Ready(newRs));
            var budget = totalReady - minAvailable - newUnavailable;
            foreach (var rs in oldRs.OrderBy(Revision))
            {
                var current = Spec(rs);
                if (current == 0)
                {
                    continue;
                }

                var unhealthy = Math.Max(0, current - Ready(rs));
                var extra = Math.Min(current - unhealthy, Math.Max(0, budget));
                budget -= extra;
                var target = current - unhealthy - extra;
                if (target != current)
                {
                    Scale(deployment, rs, target);
                }
            }
        }

        var all = owned.Append(newRs).Distinct().ToList();
        var activeTotal = all.Sum(Active);
        var readyTotal = all.Sum(Ready);
        var updated = templateCurrent ? Active(newRs) : 0;
        var updatedReady = templateCurrent ? Ready(newRs) : 0;
        var oldActive = activeTotal - updated;
        UpdateStatus(deployment, newRs, replicas, maxUnavailable, activeTotal, readyTotal, updated, updatedReady, oldActive, paused);
    }

    private void UpdateStatus(JsonObject deployment, JsonObject newRs, int replicas, int maxUnavailable, int activeTotal, int readyTotal, int updated, int updatedReady, int oldActive, bool paused)
    {
        var generation = Meta.Long(deployment["metadata"]?["generation"]) ?? 1;
        var rsName = Meta.Name(newRs);
        var revision = Revision(newRs).ToString(CultureInfo.InvariantCulture);
        api.Modify(ResourceCatalog.Deployments, Meta.Namespace(deployment), Meta.Name(deployment), obj =>
        {
            var annotations = Meta.Metadata(obj)["annotations"] as JsonObject ?? new JsonObject();
            if (Meta.Str(annotations, RevisionAnnotation) == revision)
            {
                return false;
            }

            annotations[RevisionAnnotation] = revision;
            Meta.Metadata(obj)["annotations"] = annotations;
            return true;
        });
        api.Modify(ResourceCatalog.Deployments, Meta.Namespace(deployment), Meta.Name(deployment), obj =>
        {
            var before = obj["status"]?.DeepClone();
            var status = obj["status"] as JsonObject ?? new JsonObject();
            status["observedGeneration"] = generation;
            status["replicas"] = activeTotal;
            status["updatedReplicas"] = updated;
            status["readyReplicas"] = readyTotal;
            status["availableReplicas"] = readyTotal;
            status["unavailableReplicas"] = Math.Max(0, replicas - readyTotal);
            foreach (var zero in new[] { "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas" })
            {
                if (Meta.Long(status[zero]) == 0)
                {
                    status.Remove(zero);
                }
            }

            var available = readyTotal >= replicas - maxUnavailable;
            Pods.SetCondition(status, "Available", available ? "True" : "False",
                available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", withUpdateTime: true);
            var complete = updated == replicas && updatedReady == replicas && oldActive == 0;
            if (paused)
            {
                Pods.SetCondition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", withUpdateTime: true);
            }
            else
            {
                SetProgressing(status, before, complete, rsName, Meta.Long(obj["spec"]?["progressDeadlineSeconds"]) ?? 600);
            }
            obj["status"] = status;
            return !JsonNode.DeepEquals(before, status);
        }, "status");
    }

    /// <summary>
    /// Progressing: NewReplicaSetAvailable when done; ReplicaSetUpdated while counts move (lastUpdateTime tracks the last
    /// progress); False/ProgressDeadlineExceeded when nothing moved for progressDeadlineSeconds (kubectl rollout status then fails).
    /// </summary>
    private static void SetProgressing(JsonObject status, JsonNode? before, bool complete, string rsName, long deadlineSeconds)
    {
        if (complete)
        {
            Pods.SetCondition(status, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", withUpdateTime: true);
            return;
        }

        var progressing = (status["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == "Progressing");
        var counts = new[] { "replicas", "updatedReplicas", "readyReplicas", "availableReplicas" };
        var moved = progressing is null || Meta.Str(progressing, "reason") == "NewReplicaSetAvailable" ||
                    !progressing.ToJsonString().Contains(rsName, StringComparison.Ordinal) ||
                    counts.Any(c => Meta.Long(before?[c]) != Meta.Long(status[c]));
        if (moved)
        {
            Pods.SetCondition(status, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", withUpdateTime: true);
            var condition = (status["conditions"] as JsonArray ?? []).OfType<JsonObject>().First(c => Meta.Str(c, "type") == "Progressing");
            condition["lastUpdateTime"] = Meta.Now();
            return;
        }

        var lastUpdate = DateTimeOffset.TryParse(Meta.Str(progressing, "lastUpdateTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UtcNow;
        if (Meta.Str(progressing, "reason") != "ProgressDeadlineExceeded" && DateTimeOffset.UtcNow - lastUpdate > TimeSpan.FromSeconds(deadlineSeconds))
        {
            Pods.SetCondition(status, "Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{rsName}\" has timed out progressing.", withUpdateTime: true);
        }
    }

    private JsonObject? CreateReplicaSet(JsonObject deployment, JsonObject template, string hash, int revision)
    {
        var podTemplate = (JsonObject)template.DeepClone();
        var templateMetadata = podTemplate["metadata"] as JsonObject ?? new JsonObject();
        podTemplate["metadata"] = templateMetadata;
        var labels = templateMetadata["labels"] as JsonObject ?? new JsonObject();
        labels["pod-template-hash"] = hash;
        templateMetadata["labels"] = labels;
        var selector = deployment["spec"]?["selector"]?.DeepClone() as JsonObject ?? new JsonObject();
        var matchLabels = selector["matchLabels"] as JsonObject ?? new JsonObject();
        matchLabels["pod-template-hash"] = hash;
        selector["matchLabels"] = matchLabels;
        var rs = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{Meta.Name(deployment)}-{hash}",
                ["labels"] = labels.DeepClone(),
                ["annotations"] = new JsonObject { [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture) },
                ["ownerReferences"] = Pods.OwnerReference(ResourceCatalog.Deployments, deployment),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 0,
                ["selector"] = selector,
                ["template"] = podTemplate,
            },
        };
        try
        {
            return api.Create(ResourceCatalog.ReplicaSets, Meta.Namespace(deployment), rs, WriteOptions.Internal);
        }
        catch (ApiException)
        {
            return null;
        }
    }

    private void Scale(JsonObject deployment, JsonObject rs, int replicas)
    {
        var from = Pods.Replicas(rs);
        if (from != replicas)
        {
            events.Normal(ResourceCatalog.Deployments, deployment, "deployment-controller", "ScalingReplicaSet",
                $"Scaled {(replicas > from ? "up" : "down")} replica set {Meta.Name(rs)} from {from} to {replicas}");
        }

        api.Modify(ResourceCatalog.ReplicaSets, Meta.Namespace(rs), Meta.Name(rs), obj =>
        {
            if (Pods.Replicas(obj) == replicas)
            {
                return false;
            }

            ((JsonObject)obj["spec"]!)["replicas"] = replicas;
            return true;
        });
        ((JsonObject)rs["spec"]!)["replicas"] = replicas;
    }

    private void SetRevision(JsonObject rs, int revision)
    {
        api.Modify(ResourceCatalog.ReplicaSets, Meta.Namespace(rs), Meta.Name(rs), obj =>
        {
            var annotations = Meta.Metadata(obj)["annotations"] as JsonObject ?? new JsonObject();
            annotations[RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture);
            Meta.Metadata(obj)["annotations"] = annotations;
            return true;
        });
        var local = Meta.Metadata(rs)["annotations"] as JsonObject ?? new JsonObject();
        local[RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture);
        Meta.Metadata(rs)["annotations"] = local;
    }

    private static int Revision(JsonObject rs) =>
        int.TryParse(Meta.Str(rs["metadata"]?["annotations"], RevisionAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;
}
