using System.Text.Json.Nodes;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>Server-side defaulting, applied on every write (idempotent: only fills what is missing).</summary>
public static class Defaults
{
    public static void Apply(ResourceType type, JsonObject obj)
    {
        if (type == ResourceCatalog.Pods)
        {
            PodSpec(Object(obj, "spec"));
            var status = Object(obj, "status");
            status["phase"] ??= "Pending";
            status["qosClass"] ??= "BestEffort";
        }
        else if (type == ResourceCatalog.Deployments)
        {
            var spec = Object(obj, "spec");
            spec["replicas"] ??= 1;
            spec["revisionHistoryLimit"] ??= 10;
            spec["progressDeadlineSeconds"] ??= 600;
            var strategy = Object(spec, "strategy");
            strategy["type"] ??= "RollingUpdate";
            if (Meta.Str(strategy, "type") == "RollingUpdate")
            {
                var rolling = Object(strategy, "rollingUpdate");
                rolling["maxSurge"] ??= "25%";
                rolling["maxUnavailable"] ??= "25%";
            }

            PodTemplate(spec);
        }
        else if (type == ResourceCatalog.ReplicaSets)
        {
            var spec = Object(obj, "spec");
            spec["replicas"] ??= 1;
            PodTemplate(spec);
        }
        else if (type == ResourceCatalog.StatefulSets)
        {
            var spec = Object(obj, "spec");
            spec["replicas"] ??= 1;
            spec["podManagementPolicy"] ??= "OrderedReady";
            spec["revisionHistoryLimit"] ??= 10;
            var strategy = Object(spec, "updateStrategy");
            strategy["type"] ??= "RollingUpdate";
            if (Meta.Str(strategy, "type") == "RollingUpdate")
            {
                Object(strategy, "rollingUpdate")["partition"] ??= 0;
            }

            PodTemplate(spec);
        }
        else if (type == ResourceCatalog.Jobs)
        {
            JobSpec(Object(obj, "spec"), obj);
        }
        else if (type == ResourceCatalog.CronJobs)
        {
            var spec = Object(obj, "spec");
            spec["concurrencyPolicy"] ??= "Allow";
            spec["suspend"] ??= false;
            spec["successfulJobsHistoryLimit"] ??= 3;
            spec["failedJobsHistoryLimit"] ??= 1;
            var jobTemplate = Object(spec, "jobTemplate");
            var jobSpec = Object(jobTemplate, "spec");
            // The job's own selector and labels are set when the CronJob controller creates it.
            JobCounts(jobSpec);
            PodTemplate(jobSpec);
        }
        else if (type == ResourceCatalog.Services)
        {
            var spec = Object(obj, "spec");
            spec["type"] ??= "ClusterIP";
            spec["sessionAffinity"] ??= "None";
            if (spec["ports"] is JsonArray ports)
            {
                foreach (var port in ports.OfType<JsonObject>())
                {
                    port["protocol"] ??= "TCP";
                    port["targetPort"] ??= port["port"]?.DeepClone();
                }
            }

            obj["status"] ??= new JsonObject { ["loadBalancer"] = new JsonObject() };
        }
        else if (type == ResourceCatalog.Namespaces)
        {
            Object(obj, "spec")["finalizers"] ??= new JsonArray("kubernetes");
            Object(obj, "status")["phase"] ??= "Active";
            Object(Meta.Metadata(obj), "labels")["kubernetes.io/metadata.name"] = Meta.Name(obj);
        }
        else if (type == ResourceCatalog.PersistentVolumeClaims)
        {
            var spec = Object(obj, "spec");
            spec["volumeMode"] ??= "Filesystem";
            spec["storageClassName"] ??= "yak-local";
            var status = Object(obj, "status");
            status["phase"] ??= "Bound";
            status["accessModes"] ??= spec["accessModes"]?.DeepClone();
            status["capacity"] ??= spec["resources"]?["requests"]?.DeepClone();
        }
        else if (type == ResourceCatalog.Secrets)
        {
            obj["type"] ??= "Opaque";
            if (obj["stringData"] is JsonObject stringData)
            {
                var data = Object(obj, "data");
                foreach (var (k, v) in stringData)
                {
                    data[k] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(v?.GetValue<string>() ?? ""));
                }

                obj.Remove("stringData");
            }
        }
    }

    /// <summary>
    /// As the API server defaults a Job: counts, and (unless <c>manualSelector</c>) a selector on the job's uid with
    /// the job-name and controller-uid labels on its pod template.
    /// </summary>
    private static void JobSpec(JsonObject spec, JsonObject job)
    {
        JobCounts(spec);
        PodTemplate(spec);
        var uid = Meta.Uid(job);
        if (uid.Length > 0 && spec["selector"] is null && !(spec["manualSelector"] is JsonValue manual && manual.TryGetValue<bool>(out var isManual) && isManual))
        {
            spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
            var labels = Object(Object(Object(spec, "template"), "metadata"), "labels");
            labels["batch.kubernetes.io/controller-uid"] = uid;
            labels["batch.kubernetes.io/job-name"] = Meta.Name(job);
            labels["controller-uid"] = uid;
            labels["job-name"] = Meta.Name(job);
        }
    }

    private static void JobCounts(JsonObject spec)
    {
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
        }

        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
    }

    private static void PodTemplate(JsonObject spec)
    {
        var template = Object(spec, "template");
        PodSpec(Object(template, "spec"));
    }

    private static void PodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["securityContext"] ??= new JsonObject();
        foreach (var container in (spec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var image = Meta.Str(container, "image") ?? "";
            container["imagePullPolicy"] ??= DefaultPullPolicy(image);
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            container["resources"] ??= new JsonObject();
            foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
            }
        }
    }

    /// <summary>
    /// As the API server defaults it: Always when the tag is <c>latest</c> or there is neither tag nor digest, else
    /// IfNotPresent. A colon before the last slash is a registry port, not a tag (<c>127.0.0.1:5000/web</c> → Always).
    /// </summary>
    internal static string DefaultPullPolicy(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var colon = name.LastIndexOf(':');
        var tag = colon > name.LastIndexOf('/') ? name[(colon + 1)..] : null;
        return tag == "latest" || (tag is null && at < 0) ? "Always" : "IfNotPresent";
    }

    private static JsonObject Object(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }
}
