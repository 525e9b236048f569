using System.Globalization;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// CronJob → Jobs, as the cronjob controller does: at each due time of the schedule (in <c>timeZone</c>, default UTC)
/// creates a Job <c>{name}-{minutes since the epoch}</c> from the job template — only the latest of several missed
/// runs, none past <c>startingDeadlineSeconds</c> — honouring <c>suspend</c> and <c>concurrencyPolicy</c>
/// (Forbid skips while a job runs, Replace deletes it first); keeps <c>status.active</c>, lastScheduleTime and
/// lastSuccessfulTime, and deletes finished jobs beyond the history limits. Time comes from the
/// <see cref="TimeProvider"/>, so tests move it instead of waiting.
/// </summary>
internal sealed class CronJobController(ClusterApi api, EventRecorder events, TimeProvider time)
{
    internal const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    /// <summary>The next time any CronJob is due (for the controller manager's timer), or null when none is.</summary>
    public DateTimeOffset? NextDue { get; private set; }

    public void Reconcile()
    {
        DateTimeOffset? nextDue = null;
        foreach (var cronJob in api.Store.List(ResourceCatalog.CronJobs, null).Items)
        {
            if (Meta.IsDeleting(cronJob))
            {
                continue;
            }

            if (ReconcileCronJob(cronJob) is { } next && (nextDue is null || next < nextDue))
            {
                nextDue = next;
            }
        }

        NextDue = nextDue;
    }

    private DateTimeOffset? ReconcileCronJob(JsonObject cronJob)
    {
        var ns = Meta.Namespace(cronJob);
        var spec = cronJob["spec"] as JsonObject ?? new JsonObject();
        var schedule = CronSchedule.TryParse(Meta.Str(spec, "schedule") ?? "", out _);
        if (schedule is null)
        {
            return null;
        }

        var zone = Meta.Str(spec, "timeZone") is { } zoneId && Validation.TryFindTimeZone(zoneId, out var found) ? found : TimeZoneInfo.Utc;
        var jobs = api.Store.List(ResourceCatalog.Jobs, ns, j => Pods.IsOwnedBy(j, Meta.Uid(cronJob))).Items;
        var running = jobs.Where(j => !JobController.IsFinished(j, out _) && !Meta.IsDeleting(j)).ToList();
        DeleteBeyondHistory(spec, jobs);

        var now = time.GetUtcNow();
        var lastSchedule = Parse(Meta.Str(cronJob["status"], "lastScheduleTime")) ?? Parse(Meta.Str(cronJob["metadata"], "creationTimestamp")) ?? now;
        var suspended = spec["suspend"] is JsonValue s && s.TryGetValue<bool>(out var isSuspended) && isSuspended;
        var due = schedule.LatestDue(lastSchedule, now, zone);
        DateTimeOffset? scheduled = null;
        if (due is { } when && !suspended && !TooLate(spec, when, now))
        {
            var policy = Meta.Str(spec, "concurrencyPolicy") ?? "Allow";
            if (policy == "Forbid" && running.Count > 0)
            {
                // Skipped, not recorded: the run happens once the running job finishes, if still within its deadline.
            }
            else
            {
                if (policy == "Replace")
                {
                    foreach (var job in running)
                    {
                        TryDelete(ResourceCatalog.Jobs, ns, Meta.Name(job));
                        events.Normal(ResourceCatalog.CronJobs, cronJob, "cronjob-controller", "SuccessfulDelete", $"Deleted job {Meta.Name(job)}");
                    }

                    running.Clear();
                }

                if (CreateJob(cronJob, when) is { } created)
                {
                    running.Add(created);
                }

                scheduled = when;
            }
        }
        else if (due is { } missed && !suspended)
        {
            // Too late to start: recorded as scheduled so it is not retried.
            scheduled = missed;
        }

        WriteStatus(cronJob, jobs, running, scheduled);
        return suspended ? null : schedule.Next(Max(lastSchedule, now), zone);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static bool TooLate(JsonObject spec, DateTimeOffset when, DateTimeOffset now) =>
        Meta.Long(spec["startingDeadlineSeconds"]) is { } deadline && now - when > TimeSpan.FromSeconds(deadline);

    private JsonObject? CreateJob(JsonObject cronJob, DateTimeOffset when)
    {
        var template = cronJob["spec"]?["jobTemplate"] as JsonObject ?? new JsonObject();
        var metadata = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        metadata["name"] = $"{Meta.Name(cronJob)}-{(when.ToUnixTimeSeconds() / 60).ToString(CultureInfo.InvariantCulture)}";
        metadata.Remove("generateName");
        var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
        annotations[ScheduledTimestampAnnotation] = when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        metadata["annotations"] = annotations;
        metadata["ownerReferences"] = Pods.OwnerReference(ResourceCatalog.CronJobs, cronJob);
        var job = new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone(),
        };
        try
        {
            var created = api.Create(ResourceCatalog.Jobs, Meta.Namespace(cronJob), job, WriteOptions.Internal);
            events.Normal(ResourceCatalog.CronJobs, cronJob, "cronjob-controller", "SuccessfulCreate", $"Created job {Meta.Name(created)}");
            return created;
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // Already created for this time (a pass that lost its status write): nothing to do.
            return null;
        }
        catch (ApiException e)
        {
            events.Warning(ResourceCatalog.CronJobs, cronJob, "cronjob-controller", "FailedCreate", $"Error creating job: {e.Message}");
            return null;
        }
    }

    private void DeleteBeyondHistory(JsonObject spec, List<JsonObject> jobs)
    {
        foreach (var (how, limitField, fallback) in new[] { ("Complete", "successfulJobsHistoryLimit", 3L), ("Failed", "failedJobsHistoryLimit", 1L) })
        {
            var limit = Meta.Long(spec[limitField]) ?? fallback;
            var finished = jobs
                .Where(j => !Meta.IsDeleting(j) && JobController.IsFinished(j, out var h) && h == how)
                .OrderByDescending(j => Meta.Str(j["metadata"]?["annotations"], ScheduledTimestampAnnotation) ?? Meta.Str(j["metadata"], "creationTimestamp"), StringComparer.Ordinal)
                .ThenByDescending(j => Meta.Name(j), StringComparer.Ordinal)
                .Skip((int)Math.Max(0, limit));
            foreach (var job in finished)
            {
                TryDelete(ResourceCatalog.Jobs, Meta.Namespace(job), Meta.Name(job));
                events.Normal(ResourceCatalog.CronJobs, job, "cronjob-controller", "SuccessfulDelete", $"Deleted job {Meta.Name(job)}");
            }
        }
    }

    private void WriteStatus(JsonObject cronJob, List<JsonObject> jobs, List<JsonObject> running, DateTimeOffset? scheduled)
    {
        var lastSuccess = jobs.Where(j => JobController.IsFinished(j, out var how) && how == "Complete")
            .Select(j => Meta.Str(j["status"], "completionTime"))
            .Where(t => t is not null)
            .Max(StringComparer.Ordinal);
        api.Modify(ResourceCatalog.CronJobs, Meta.Namespace(cronJob), Meta.Name(cronJob), obj =>
        {
            var before = obj["status"]?.DeepClone();
            var status = obj["status"] as JsonObject ?? new JsonObject();
            obj["status"] = status;
            if (running.Count == 0)
            {
                status.Remove("active");
            }
            else
            {
                status["active"] = new JsonArray(running.OrderBy(Meta.Name, StringComparer.Ordinal).Select(j => (JsonNode)new JsonObject
                {
                    ["kind"] = "Job",
                    ["namespace"] = Meta.Namespace(j),
                    ["name"] = Meta.Name(j),
                    ["uid"] = Meta.Uid(j),
                    ["apiVersion"] = "batch/v1",
                }).ToArray());
            }

            if (scheduled is { } at)
            {
                status["lastScheduleTime"] = Meta.Timestamp(at);
            }

            if (lastSuccess is not null)
            {
                status["lastSuccessfulTime"] = lastSuccess;
            }

            return !JsonNode.DeepEquals(before, status);
        }, "status");
    }

    private void TryDelete(ResourceType type, string ns, string name)
    {
        try
        {
            api.Delete(type, ns, name, DeleteOptions.Default);
        }
        catch (ApiException)
        {
            // Gone meanwhile.
        }
    }

    private static DateTimeOffset? Parse(string? timestamp) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
