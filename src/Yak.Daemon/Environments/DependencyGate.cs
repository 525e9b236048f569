using k8s;
using k8s.Models;
using Yak.Environments.Manifests;
using Yak.Environments.Spec;
using Yak.Kube.Environments;

namespace Yak.Daemon.Environments;

/// <summary>
/// <c>dependsOn</c> / compose <c>depends_on</c> as waits: a service with no ready pod yet (first up, after down) is not
/// applied until each dependency reached its condition — started (its app container runs), ready (every replica
/// Ready) or completed (its app container exited 0). A service that already runs is updated in place, without
/// waiting, so an update never deadlocks on its own dependencies' rollout.
/// </summary>
internal static class DependencyGate
{
    /// <summary>A service held back, and what it waits for (<c>db is ready</c>).</summary>
    public sealed record Held(string Service, string Waiting);

    public static bool HasDependencies(EnvironmentSpec? spec) => spec?.Services.Any(s => s.DependsOn.Count > 0) == true;

    /// <summary>The services to hold back now, given every service's rollout and which have completed (exit 0).</summary>
    public static IReadOnlyList<Held> Hold(EnvironmentSpec spec, IReadOnlyList<ServiceRollout> rollouts, IReadOnlySet<string> completed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var byService = rollouts.ToDictionary(r => r.Service, StringComparer.Ordinal);
        var held = new List<Held>();
        var holding = new HashSet<string>(StringComparer.Ordinal);

        // Dependencies first: a dependency held back is not started, so its dependents wait for it too.
        foreach (var name in ManifestBuilder.DependencyOrder(spec))
        {
            var service = spec[name]!;
            if (service.DependsOn.Count == 0 || (byService.GetValueOrDefault(name) is { Ready: > 0 }))
            {
                continue;
            }

            var waiting = service.DependsOn
                .Select(service.DependencyOn)
                .Where(d => holding.Contains(d.Service) || !Reached(d, byService.GetValueOrDefault(d.Service), completed.Contains(d.Service)))
                .Select(d => $"{d.Service} {Describe(d.Condition)}")
                .ToList();
            if (waiting.Count > 0)
            {
                held.Add(new Held(name, string.Join(" and ", waiting)));
                holding.Add(name);
            }
        }

        return held;
    }

    private static bool Reached(ServiceDependency dependency, ServiceRollout? rollout, bool completed) => dependency.Condition switch
    {
        _ when rollout is null => false,
        DependencyCondition.Completed => completed,

        // A dependency scaled to zero (replicas: 0) never starts: nothing to wait for.
        _ when rollout.State == RolloutState.ScaledDown && rollout.Desired == 0 => true,
        // The app container is named as the service (ManifestBuilder); the sync sidecar running does not count.
        DependencyCondition.Started => rollout.Pods.Any(p => !p.Terminating && p.RunningContainers.Contains(dependency.Service)),
        _ => rollout.State == RolloutState.Ready,
    };

    private static string Describe(DependencyCondition condition) => condition switch
    {
        DependencyCondition.Started => "has started",
        DependencyCondition.Completed => "has completed (exit 0)",
        _ => "is ready",
    };

    /// <summary>Services some dependent waits on to complete.</summary>
    public static IReadOnlySet<string> CompletionTargets(EnvironmentSpec? spec) =>
        spec is null
            ? new HashSet<string>(StringComparer.Ordinal)
            : spec.Services.SelectMany(s => s.DependsOn.Select(s.DependencyOn)).Where(d => d.Condition == DependencyCondition.Completed).Select(d => d.Service).ToHashSet(StringComparer.Ordinal);

    /// <summary>Of <paramref name="targets"/>, those whose app container exited with 0 in some pod (now or before its last restart).</summary>
    public static async Task<IReadOnlySet<string>> CompletedAsync(IKubernetes client, EnvironmentManifests manifests, IReadOnlySet<string> targets, CancellationToken cancellationToken)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in manifests.Services.Where(s => targets.Contains(s.Name)))
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(manifests.NamespaceName, labelSelector: EnvironmentNames.SelectorText(service.Selector), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (pods.Items.Any(p => ExitedZero(p, service.AppContainer)))
            {
                done.Add(service.Name);
            }
        }

        return done;
    }

    private static bool ExitedZero(V1Pod pod, string container) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == container) is { } status &&
        (status.State?.Terminated?.ExitCode == 0 || status.LastState?.Terminated?.ExitCode == 0);

    /// <summary>
    /// The rollouts as the environment should count them: a held service is pending with what it waits for (also
    /// when its workload exists scaled to zero); a completion target that exited 0 is done, not crash-looping.
    /// </summary>
    public static IReadOnlyList<ServiceRollout> Explain(IReadOnlyList<ServiceRollout> rollouts, IReadOnlyList<Held> held, EnvironmentSpec? spec, IReadOnlySet<string> completed) =>
        [.. rollouts.Select(r => held.FirstOrDefault(h => h.Service == r.Service) is { } h
            ? r with { State = RolloutState.Pending, Ready = 0, Desired = Math.Max(r.Desired, spec?[r.Service]?.Replicas ?? 1), Message = $"held back until {h.Waiting}", Reason = StuckReason.None }
            : completed.Contains(r.Service) && r.State is RolloutState.Stuck or RolloutState.RollingOut or RolloutState.Pending
                ? r with { State = RolloutState.Ready, Ready = r.Desired, Message = "completed (exit 0)", Reason = StuckReason.None }
                : r)];

    /// <summary>The workload objects of <paramref name="services"/> in <paramref name="manifests"/>.</summary>
    public static bool IsWorkloadOf(IKubernetesObject<V1ObjectMeta> item, EnvironmentManifests manifests, IEnumerable<string> services) =>
        item is V1Deployment or V1StatefulSet && services.Any(s => manifests[s]?.WorkloadName == item.Metadata.Name);
}
