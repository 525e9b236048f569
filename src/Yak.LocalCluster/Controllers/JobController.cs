using System.Globalization;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// Job → pods, as the job controller does for NonIndexed jobs: keeps up to <c>parallelism</c> pods running until
/// <c>completions</c> have succeeded (Complete, with SuccessCriteriaMet first), or fails the job when more pods
/// failed than <c>backoffLimit</c> allows or <c>activeDeadlineSeconds</c> passed (FailureTarget, then Failed; the
/// running pods are deleted). A suspended job runs no pods. Finished pods are kept, as Kubernetes keeps them.
/// </summary>
internal sealed class JobController(ClusterApi api, EventRecorder events, TimeProvider time)
{
    public void Reconcile()
    {
        foreach (var job in api.Store.List(ResourceCatalog.Jobs, null).Items)
        {
            if (!Meta.IsDeleting(job))
            {
                ReconcileJob(job);
            }
        }
    }

    /// <summary>A job is finished once it carries a true Complete or Failed condition.</summary>
    public static bool IsFinished(JsonObject job, out string? how)
    {
        how = (job["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(c => Meta.Str(c, "type") is "Complete" or "Failed" && Meta.Str(c, "status") == "True")
            .Select(c => Meta.Str(c, "type"))
            .FirstOrDefault();
        return how is not null;
    }

    private void ReconcileJob(JsonObject job)
    {
        var ns = Meta.Namespace(job);
        var spec = job["spec"] as JsonObject ?? new JsonObject();
        var pods = api.Store.List(ResourceCatalog.Pods, ns, p => Pods.IsOwnedBy(p, Meta.Uid(job))).Items;
        var active = pods.Where(Pods.IsActive).ToList();
        var succeeded = pods.Count(p => Meta.Str(p["status"], "phase") == "Succeeded");
        // With restartPolicy OnFailure a failing container restarts in its pod: each restart counts as a failure.
        var failed = pods.Count(p => Meta.Str(p["status"], "phase") == "Failed") +
                     (int)active.Sum(p => (p["status"]?["containerStatuses"] as JsonArray ?? []).Sum(c => Meta.Long(c?["restartCount"]) ?? 0));
        var completions = (int?)Meta.Long(spec["completions"]);
        var parallelism = (int)(Meta.Long(spec["parallelism"]) ?? 1);
        var backoffLimit = (int)(Meta.Long(spec["backoffLimit"]) ?? 6);
        var suspended = spec["suspend"] is JsonValue s && s.TryGetValue<bool>(out var isSuspended) && isSuspended;
        var now = time.GetUtcNow();
        var startTime = job["status"]?["startTime"] is JsonValue st && DateTimeOffset.TryParse(st.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : (DateTimeOffset?)null;

        var finished = IsFinished(job, out _);
        string? failure = null;
        string? failureMessage = null;
        var complete = false;
        if (!finished)
        {
            if (failed > backoffLimit)
            {
                (failure, failureMessage) = ("BackoffLimitExceeded", "Job has reached the specified backoff limit");
            }
            else if (Meta.Long(spec["activeDeadlineSeconds"]) is { } deadline && startTime is { } started && now - started >= TimeSpan.FromSeconds(deadline))
            {
                (failure, failureMessage) = ("DeadlineExceeded", "Job was active longer than specified deadline");
            }
            else
            {
                complete = completions is { } c ? succeeded >= c : succeeded > 0 && active.Count == 0;
            }

            if (failure is not null || complete || suspended)
            {
                foreach (var pod in active)
                {
                    TryDeletePod(ns, Meta.Name(pod));
                }

                if (failure is not null || complete)
                {
                    active.Clear();
                }
            }
            else
            {
                var remaining = completions is { } c ? c - succeeded : succeeded > 0 ? 0 : parallelism;
                for (var i = active.Count; i < Math.Min(parallelism, remaining); i++)
                {
                    CreatePod(job);
                }
            }

            if (failure is not null)
            {
                events.Warning(ResourceCatalog.Jobs, job, "job-controller", failure, failureMessage!);
            }
            else if (complete)
            {
                events.Normal(ResourceCatalog.Jobs, job, "job-controller", "Completed", "Job completed");
            }
        }

        WriteStatus(job, active, succeeded, failed, suspended, failure, failureMessage, complete, now);
    }

    private void WriteStatus(JsonObject job, List<JsonObject> active, int succeeded, int failed, bool suspended, string? failure, string? failureMessage, bool complete, DateTimeOffset now)
    {
        var ready = active.Count(Pods.IsReady);
        api.Modify(ResourceCatalog.Jobs, Meta.Namespace(job), Meta.Name(job), obj =>
        {
            var before = obj["status"]?.DeepClone();
            var status = obj["status"] as JsonObject ?? new JsonObject();
            obj["status"] = status;
            if (!suspended && status["startTime"] is null)
            {
                status["startTime"] = Meta.Timestamp(now);
            }

            SetCount(status, "active", active.Count);
            SetCount(status, "succeeded", succeeded);
            SetCount(status, "failed", failed);
            status["ready"] = ready;
            status["terminating"] = 0;
            status["uncountedTerminatedPods"] ??= new JsonObject();
            if (suspended && !IsFinished(obj, out _))
            {
                Pods.SetCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", withUpdateTime: false);
            }
            else if ((status["conditions"] as JsonArray ?? []).OfType<JsonObject>().Any(c => Meta.Str(c, "type") == "Suspended"))
            {
                Pods.SetCondition(status, "Suspended", "False", "JobResumed", "Job resumed", withUpdateTime: false);
            }

            if (failure is not null)
            {
                Pods.SetCondition(status, "FailureTarget", "True", failure, failureMessage!, withUpdateTime: false);
                Pods.SetCondition(status, "Failed", "True", failure, failureMessage!, withUpdateTime: false);
            }
            else if (complete)
            {
                Pods.SetCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", withUpdateTime: false);
                Pods.SetCondition(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", withUpdateTime: false);
                status["completionTime"] = Meta.Timestamp(now);
            }

            return !JsonNode.DeepEquals(before, status);
        }, "status");
    }

    /// <summary>Counts are omitted while zero, as the API server's omitempty does.</summary>
    private static void SetCount(JsonObject status, string field, int value)
    {
        if (value == 0)
        {
            status.Remove(field);
        }
        else
        {
            status[field] = value;
        }
    }

    private void CreatePod(JsonObject job)
    {
        var pod = Pods.FromTemplate(ResourceCatalog.Jobs, job);
        try
        {
            var created = api.Create(ResourceCatalog.Pods, Meta.Namespace(job), pod, WriteOptions.Internal);
            events.Normal(ResourceCatalog.Jobs, job, "job-controller", "SuccessfulCreate", $"Created pod: {Meta.Name(created)}");
        }
        catch (ApiException)
        {
            // Namespace terminating, or a name clash: the next pass tries again.
        }
    }

    private void TryDeletePod(string ns, string name)
    {
        try
        {
            api.Delete(ResourceCatalog.Pods, ns, name, DeleteOptions.Default);
        }
        catch (ApiException)
        {
            // Gone meanwhile.
        }
    }
}
