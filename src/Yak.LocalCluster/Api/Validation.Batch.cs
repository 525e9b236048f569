using System.Text.Json.Nodes;
using Yak.LocalCluster.Controllers;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Api;

/// <summary>Jobs and CronJobs, checked as the API server's batch validation does (the fields this server acts on).</summary>
internal static partial class Validation
{
    private static void Job(JsonObject? spec, string path, List<FieldError> errors)
    {
        foreach (var field in new[] { "parallelism", "completions", "backoffLimit", "activeDeadlineSeconds" })
        {
            if (Meta.Long(spec?[field]) is { } value && (value < 0 || (field == "activeDeadlineSeconds" && value == 0)))
            {
                errors.Add(FieldError.Invalid($"{path}.{field}", value, field == "activeDeadlineSeconds" ? "must be greater than 0" : "must be greater than or equal to 0"));
            }
        }

        if (Meta.Str(spec, "completionMode") is { } mode && mode != "NonIndexed")
        {
            errors.Add(new FieldError($"{path}.completionMode", "FieldValueNotSupported", $"Unsupported value: \"{mode}\": supported values: \"NonIndexed\" (Indexed jobs are not emulated)"));
        }

        var selector = spec?["selector"];
        if (selector is not null && !Selectors.Matches(selector, Meta.StringMap(spec?["template"]?["metadata"]?["labels"])))
        {
            errors.Add(new FieldError($"{path}.template.metadata.labels", "FieldValueInvalid", "Invalid value: `selector` does not match template `labels`"));
        }

        var template = spec?["template"]?["spec"] as JsonObject;
        PodSpec(template, $"{path}.template.spec", errors);
        var restartPolicy = Meta.Str(template, "restartPolicy");
        if (restartPolicy is not ("OnFailure" or "Never"))
        {
            errors.Add(new FieldError($"{path}.template.spec.restartPolicy", "FieldValueNotSupported", $"Unsupported value: \"{restartPolicy}\": supported values: \"OnFailure\", \"Never\""));
        }
    }

    private static void CronJob(JsonObject? spec, List<FieldError> errors)
    {
        var schedule = Meta.Str(spec, "schedule");
        if (string.IsNullOrEmpty(schedule))
        {
            errors.Add(FieldError.Required("spec.schedule"));
        }
        else if (CronSchedule.TryParse(schedule, out var why) is null)
        {
            errors.Add(FieldError.Invalid("spec.schedule", schedule, why));
        }

        if (Meta.Str(spec, "timeZone") is { } zone && !TryFindTimeZone(zone, out _))
        {
            errors.Add(FieldError.Invalid("spec.timeZone", zone, "unknown time zone " + zone));
        }

        if (Meta.Str(spec, "concurrencyPolicy") is { } policy && policy is not ("Allow" or "Forbid" or "Replace"))
        {
            errors.Add(new FieldError("spec.concurrencyPolicy", "FieldValueNotSupported", $"Unsupported value: \"{policy}\": supported values: \"Allow\", \"Forbid\", \"Replace\""));
        }

        foreach (var field in new[] { "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit" })
        {
            if (Meta.Long(spec?[field]) is < 0 and var value)
            {
                errors.Add(FieldError.Invalid($"spec.{field}", value, "must be greater than or equal to 0"));
            }
        }

        Job(spec?["jobTemplate"]?["spec"] as JsonObject, "spec.jobTemplate.spec", errors);
    }

    /// <summary>An IANA zone from the system's tz database (<c>Etc/UTC</c>, <c>Europe/Paris</c>); Windows names and offsets are refused.</summary>
    internal static bool TryFindTimeZone(string id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (id.Length is 0 or > 64 || id.Contains("..", StringComparison.Ordinal) || id.StartsWith('/'))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
