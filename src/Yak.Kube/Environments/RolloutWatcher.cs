using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.Kube.Watching;

namespace Yak.Kube.Environments;

public enum RolloutState
{
    Pending,
    RollingOut,
    Ready,
    Stuck,
    ScaledDown,
}

/// <summary>A pod of a service, as status shows it.</summary>
public sealed record PodSummary(string Name, string Uid, string Phase, bool Ready, bool Terminating, int Restarts, string? Reason, IReadOnlySet<string> RunningContainers, DateTime? Created);

/// <summary>Where one service's rollout is.</summary>
/// <param name="Reason">Why it is stuck (<see cref="StuckReason.None"/> unless <see cref="State"/> is stuck).</param>
public sealed record ServiceRollout(string Service, RolloutState State, int Ready, int Desired, string? Message, IReadOnlyList<PodSummary> Pods, StuckReason Reason = StuckReason.None)
{
    public bool SameProgress(ServiceRollout? other) =>
        other is not null && other.State == State && other.Ready == Ready && other.Desired == Desired && other.Message == Message;
}

/// <summary>
/// Watches the workloads of an environment and their pods, and reports each service's progress: pending → rolling
/// out (ready/desired) → ready, or stuck with the reason read from the pods or the workload (see <see cref="StuckReason"/>).
/// </summary>
public static class RolloutWatcher
{
    public const int LogTailLines = 10;

    /// <summary>Where an explanation's log lines begin in a stuck rollout's message.</summary>
    public const string LogLinesMarker = "; last log lines:\n";

    /// <summary>The state of every workload now, read from the API (a get and a list per workload).</summary>
    public static async Task<IReadOnlyList<ServiceRollout>> SnapshotAsync(IKubernetes client, IReadOnlyList<WorkloadRef> workloads, bool explain, CancellationToken cancellationToken)
    {
        var result = new List<ServiceRollout>();
        foreach (var workload in workloads)
        {
            result.Add(await EvaluateAsync(client, workload, explain, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    /// <summary>
    /// Reports progress (each change once) until every service is ready or scaled down, or one is stuck; returns the
    /// last state of every service. Reads the namespace's shared informers and is woken by their changes: following a
    /// rollout costs no request beyond the informers' own list and watch.
    /// </summary>
    public static async Task<IReadOnlyList<ServiceRollout>> WaitAsync(
        IKubernetes client,
        KubeInformers informers,
        string ns,
        IReadOnlyList<WorkloadRef> workloads,
        Action<ServiceRollout> progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(informers);
        ArgumentNullException.ThrowIfNull(progress);
        using var changed = new SemaphoreSlim(0);
        var source = new RolloutSource(client, informers, ns);
        await using var sourceScope = source.ConfigureAwait(false);
        using var subscription = source.Subscribe(() => changed.Release());
        var last = new Dictionary<string, ServiceRollout>(StringComparer.Ordinal);
        while (true)
        {
            var snapshot = await source.SnapshotAsync(workloads, explain: true, cancellationToken).ConfigureAwait(false);
            foreach (var rollout in snapshot)
            {
                if (!rollout.SameProgress(last.GetValueOrDefault(rollout.Service)))
                {
                    last[rollout.Service] = rollout;
                    progress(rollout);
                }
            }

            if (snapshot.All(r => r.State is RolloutState.Ready or RolloutState.ScaledDown) || snapshot.Any(r => r.State == RolloutState.Stuck))
            {
                return snapshot;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            while (changed.CurrentCount > 0)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads the workload and its pods from the API (one get and one list) and evaluates them.</summary>
    public static async Task<ServiceRollout> EvaluateAsync(IKubernetes client, WorkloadRef workload, bool explain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        WorkloadStatus status;
        try
        {
            status = workload.Kind == WorkloadType.StatefulSet
                ? WorkloadStatus.Of(await client.AppsV1.ReadNamespacedStatefulSetAsync(workload.Name, workload.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false))
                : WorkloadStatus.Of(await client.AppsV1.ReadNamespacedDeploymentAsync(workload.Name, workload.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return NotDeployed(workload);
        }

        var podList = await client.CoreV1.ListNamespacedPodAsync(workload.Namespace, labelSelector: workload.Selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await EvaluateAsync(client, workload, status, podList.Items, explain, cancellationToken).ConfigureAwait(false);
    }

    public static ServiceRollout NotDeployed(WorkloadRef workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return new ServiceRollout(workload.Service, RolloutState.Pending, 0, 0, "not deployed", []);
    }

    /// <summary>
    /// Evaluates a workload's status and its pods, however they were read (the API, a shared informer's cache); only a
    /// stuck pod's explanation (<paramref name="explain"/>) reads more: its last log lines. Without it a stuck service is
    /// still stuck, said from the pod's status alone.
    /// </summary>
    public static async Task<ServiceRollout> EvaluateAsync(IKubernetes client, WorkloadRef workload, WorkloadStatus status, IEnumerable<V1Pod> podsOfWorkload, bool explain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(status);
        var (generation, observed, desired, ready, updated, current, revisionsMatch, replicaFailure) = status;
        var pods = podsOfWorkload.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        var summaries = pods.Select(Summarize).ToList();
        if (desired == 0)
        {
            return new ServiceRollout(workload.Service, RolloutState.ScaledDown, 0, 0, summaries.Count > 0 ? "stopping" : null, summaries);
        }

        var done = observed >= generation && updated == desired && ready == desired && current == desired && revisionsMatch;
        if (done)
        {
            return new ServiceRollout(workload.Service, RolloutState.Ready, ready, desired, null, summaries);
        }

        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is null))
        {
            // Without explain the status alone says why (a status must not disagree with the supervisor's verdict);
            // explaining adds the crashing container's last log lines, one request per stuck pod.
            var problem = explain
                ? await ExplainAsync(client, pod, workload.AppContainer, cancellationToken).ConfigureAwait(false)
                : RolloutDiagnosis.Diagnose(pod, workload.AppContainer);
            if (problem is not null)
            {
                return new ServiceRollout(workload.Service, RolloutState.Stuck, ready, desired, problem.Message, summaries, problem.Reason);
            }
        }

        if (replicaFailure is not null && current < desired)
        {
            // The controller could not create the pods at all (a quota, an admission refusal): no pod will say why.
            var refused = RolloutDiagnosis.CreateRefused(workload.Service, replicaFailure);
            return new ServiceRollout(workload.Service, RolloutState.Stuck, ready, desired, refused.Message, summaries, refused.Reason);
        }

        var state = summaries.Count == 0 && ready == 0 ? RolloutState.Pending : RolloutState.RollingOut;
        return new ServiceRollout(workload.Service, state, ready, desired, null, summaries);
    }

    /// <summary>Why a pod cannot become ready on its own (with the last log lines of a crashing container), or null when it is merely on its way.</summary>
    public static async Task<RolloutProblem?> ExplainAsync(IKubernetes client, V1Pod pod, string appContainer, CancellationToken cancellationToken)
    {
        var problem = RolloutDiagnosis.Diagnose(pod, appContainer);
        if (problem?.LogsOf is not { } container)
        {
            return problem;
        }

        var logs = await LastLogLinesAsync(client, pod, container, cancellationToken).ConfigureAwait(false);
        return logs.Length == 0 ? problem : problem with { Message = problem.Message + LogLinesMarker + logs };
    }

    /// <summary>", restarted N times", said as a person would (a first crash has not been restarted yet).</summary>
    internal static string Restarts(int count) => count switch
    {
        <= 0 => string.Empty,
        1 => ", restarted once",
        _ => $", restarted {count.ToString(CultureInfo.InvariantCulture)} times",
    };

    private static async Task<string> LastLogLinesAsync(IKubernetes client, V1Pod pod, string container, CancellationToken cancellationToken)
    {
        foreach (var previous in new[] { true, false })
        {
            try
            {
                using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(
                    pod.Metadata.Name, pod.Metadata.NamespaceProperty, container: container, previous: previous, tailLines: LogTailLines, cancellationToken: cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(stream);
                var text = (await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).TrimEnd();
                if (text.Length > 0)
                {
                    return string.Join('\n', text.Split('\n').Select(l => "    " + l.TrimEnd('\r')));
                }
            }
            catch (HttpOperationException)
            {
            }
        }

        return string.Empty;
    }

    public static PodSummary Summarize(V1Pod pod)
    {
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var ready = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
        var reason = statuses.Select(s => s.State?.Waiting?.Reason ?? s.State?.Terminated?.Reason).FirstOrDefault(r => r is not null);
        var running = statuses.Where(s => s.State?.Running is not null).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        return new PodSummary(
            pod.Metadata.Name,
            pod.Metadata.Uid ?? string.Empty,
            pod.Status?.Phase ?? "Pending",
            ready,
            pod.Metadata.DeletionTimestamp is not null,
            statuses.Sum(s => s.RestartCount),
            reason,
            running,
            pod.Metadata.CreationTimestamp);
    }
}

/// <summary>What a rollout reads from a Deployment or StatefulSet.</summary>
/// <param name="RevisionsMatch">A StatefulSet's current and update revisions agree (always true for a Deployment).</param>
/// <param name="ReplicaFailure">A Deployment's ReplicaFailure condition message: the controller could not create pods.</param>
public sealed record WorkloadStatus(long? Generation, long? Observed, int Desired, int Ready, int Updated, int Current, bool RevisionsMatch, string? ReplicaFailure)
{
    public static WorkloadStatus Of(V1Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return new(
            deployment.Metadata.Generation,
            deployment.Status?.ObservedGeneration,
            deployment.Spec.Replicas ?? 1,
            deployment.Status?.ReadyReplicas ?? 0,
            deployment.Status?.UpdatedReplicas ?? 0,
            deployment.Status?.Replicas ?? 0,
            RevisionsMatch: true,
            deployment.Status?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True")?.Message);
    }

    public static WorkloadStatus Of(V1StatefulSet statefulSet)
    {
        ArgumentNullException.ThrowIfNull(statefulSet);
        return new(
            statefulSet.Metadata.Generation,
            statefulSet.Status?.ObservedGeneration,
            statefulSet.Spec.Replicas ?? 1,
            statefulSet.Status?.ReadyReplicas ?? 0,
            statefulSet.Status?.UpdatedReplicas ?? 0,
            statefulSet.Status?.Replicas ?? 0,
            statefulSet.Status?.UpdateRevision is null || statefulSet.Status.CurrentRevision == statefulSet.Status.UpdateRevision,
            ReplicaFailure: null);
    }
}
