using System.Globalization;
using k8s.Models;
using Yak.Kube.Pods;

namespace Yak.Kube.Environments;

/// <summary>Why a service cannot become ready on its own; yakd gives each its code in the error catalogue.</summary>
public enum StuckReason
{
    None,
    ImagePull,
    CrashLoop,
    Unschedulable,
    OutOfMemory,
    CannotStart,
    ClaimPending,
    QuotaExceeded,
    Forbidden,
    AgentDelivery,
}

/// <summary>A stuck pod or workload: the reason, the words for the user, and the container whose last log lines help.</summary>
public sealed record RolloutProblem(StuckReason Reason, string Message, string? LogsOf = null);

/// <summary>Reads a pod's (or a workload's) status the way a person debugging it would, without calling the cluster.</summary>
public static class RolloutDiagnosis
{
    /// <summary>Why <paramref name="pod"/> cannot become ready on its own, or null when it is merely on its way.</summary>
    public static RolloutProblem? Diagnose(V1Pod pod, string appContainer)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var name = pod.Metadata.Name;
        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled is { Status: "False" } && scheduled.Reason == "Unschedulable")
        {
            // The scheduler says "pod has unbound immediate PersistentVolumeClaims" when a claim keeps it waiting.
            return scheduled.Message?.Contains("PersistentVolumeClaim", StringComparison.Ordinal) == true
                ? new RolloutProblem(StuckReason.ClaimPending, $"pod {name} waits for its volume claim: {scheduled.Message}{Claims(pod)}")
                : new RolloutProblem(StuckReason.Unschedulable, $"pod {name} cannot be scheduled: {scheduled.Message}");
        }

        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? [])
            .OrderBy(s => s.Name == appContainer ? 0 : 1)
            .ToList();
        foreach (var status in statuses)
        {
            var problem = Diagnose(name, status);
            if (problem is not null)
            {
                // The sidecar failing is the agent not reaching the pod, whatever the container runtime calls it.
                return status.Name == PodPicker.SidecarContainerName
                    ? problem with { Reason = StuckReason.AgentDelivery, Message = $"{problem.Message} (the sync sidecar: the agent cannot run)" }
                    : problem;
            }
        }

        return null;
    }

    /// <summary>The workload's controller could not create pods: a quota or an RBAC/admission refusal, in the API server's words.</summary>
    public static RolloutProblem CreateRefused(string service, string message) =>
        message.Contains("exceeded quota", StringComparison.OrdinalIgnoreCase)
            ? new RolloutProblem(StuckReason.QuotaExceeded, $"{service}: the namespace's quota refused its pods: {message}")
            : message.Contains("forbidden", StringComparison.OrdinalIgnoreCase)
                ? new RolloutProblem(StuckReason.Forbidden, $"{service}: the cluster refused to create its pods: {message}")
                : new RolloutProblem(StuckReason.CannotStart, $"{service}: its pods cannot be created: {message}");

    private static RolloutProblem? Diagnose(string pod, V1ContainerStatus status)
    {
        var waiting = status.State?.Waiting;
        var last = status.LastState?.Terminated ?? status.State?.Terminated;
        if (last?.Reason == "OOMKilled" && (waiting?.Reason == "CrashLoopBackOff" || status.State?.Terminated is not null))
        {
            return new RolloutProblem(
                StuckReason.OutOfMemory,
                $"pod {pod}: container {status.Name} was killed for using more memory than its limit (OOMKilled, exit code {last.ExitCode.ToString(CultureInfo.InvariantCulture)}){RolloutWatcher.Restarts(status.RestartCount)}",
                status.Name);
        }

        switch (waiting?.Reason)
        {
            case "ImagePullBackOff" or "ErrImagePull" or "InvalidImageName":
                return new RolloutProblem(
                    StuckReason.ImagePull,
                    $"pod {pod}: container {status.Name} cannot pull image {status.Image}" + (string.IsNullOrEmpty(waiting.Message) ? string.Empty : $" ({waiting.Message})"));
            case "CrashLoopBackOff":
                var exit = last is null ? string.Empty : $" (exit code {last.ExitCode.ToString(CultureInfo.InvariantCulture)})";
                return new RolloutProblem(StuckReason.CrashLoop, $"pod {pod}: container {status.Name} keeps crashing{exit}{RolloutWatcher.Restarts(status.RestartCount)}", status.Name);
            case "CreateContainerConfigError" or "CreateContainerError" or "RunContainerError":
                return new RolloutProblem(StuckReason.CannotStart, $"pod {pod}: container {status.Name} cannot start: {waiting.Reason} {waiting.Message}".TrimEnd());
            default:
                return null;
        }
    }

    private static string Claims(V1Pod pod)
    {
        var claims = (pod.Spec?.Volumes ?? []).Where(v => v.PersistentVolumeClaim is not null).Select(v => v.PersistentVolumeClaim.ClaimName).ToList();
        return claims.Count == 0 ? string.Empty : $" (claims: {string.Join(", ", claims)})";
    }
}
