using Yak.Daemon.Rpc;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>Where a service of an environment runs: what logs/exec/attach/test need to reach its pods.</summary>
internal sealed record ServiceLocation(
    string Environment,
    string Kubeconfig,
    string Context,
    string Namespace,
    string Selector,
    string AppContainer,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<string> SyncContainerPaths);

/// <summary>Where an environment runs: what an ad hoc forward into its namespace needs.</summary>
internal sealed record EnvironmentPlace(string Environment, string Kubeconfig, string Context, string Namespace);

internal sealed partial class EnvironmentManager
{
    private static readonly TimeSpan ResumeWaitLimit = TimeSpan.FromSeconds(30);

    /// <summary>The cluster and namespace of environment <paramref name="environment"/>.</summary>
    public EnvironmentPlace LocateEnvironment(string environment)
    {
        if (guests.Find(environment) is { } guest)
        {
            return guest.Place;
        }

        var record = registry.Find(environment)
            ?? throw new NotFoundException($"No environment named '{environment}' (see 'yakctl status'; 'yakctl up' creates it).");
        return new EnvironmentPlace(record.Name, record.Kubeconfig, record.Context, record.Namespace);
    }

    /// <summary>The cluster and namespace of the environment named <paramref name="environment"/>, or (empty name) the one whose spec is <paramref name="specPath"/>.</summary>
    public EnvironmentPlace LocateEnvironment(string environment, string specPath)
    {
        var record = Resolve(environment, specPath);
        return new EnvironmentPlace(record.Name, record.Kubeconfig, record.Context, record.Namespace);
    }

    /// <summary>
    /// Resolves <paramref name="service"/> of environment <paramref name="environment"/> (empty: the only one, else
    /// the most recently updated one) from the environments this daemon manages.
    /// </summary>
    public ServiceLocation LocateService(string environment, string service)
    {
        if (guests.Find(environment) is { } guest)
        {
            // A guest has no spec of the owner's environment: its services are found by their label, their app container by name.
            return new ServiceLocation(guest.Name, guest.Kubeconfig, Sharing.GuestRecord.Context, guest.Namespace, $"{Yak.Environments.Naming.KubeNames.ServiceLabel}={service}", service, [], []);
        }

        var record = environment.Length > 0
            ? registry.Find(environment) ?? throw new NotFoundException($"No environment named '{environment}' (see 'yakctl status'; 'yakctl up' creates it).")
            : registry.All().Where(r => r.State != EnvironmentState.Down).OrderByDescending(r => r.UpdatedAt).FirstOrDefault()
                ?? throw new NotFoundException($"No environment is up to find service '{service}' in; run 'yakctl up', or name a target with --namespace and --selector or pod/NAME.");

        // Callers are synchronous; the resume is bounded work on the thread pool (no cluster call), so this waits at most for it.
        if (!resumed.IsCompleted)
        {
            resumed.Wait(ResumeWaitLimit);
        }

        var manifests = GetRuntime(record.Name)?.Manifests
            ?? throw new NotFoundException($"Environment '{record.Name}' has no loaded spec ({record.SpecPath}); run 'yakctl up' again.");
        var manifest = manifests[service]
            ?? throw new NotFoundException($"No service named '{service}' in environment '{record.Name}' (services: {string.Join(", ", manifests.Services.Select(s => s.Name))}).");
        return new ServiceLocation(
            record.Name,
            record.Kubeconfig,
            record.Context,
            record.Namespace,
            string.Join(",", manifest.Selector.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
            manifest.AppContainer,
            manifest.DependsOn,
            [.. manifest.Syncs.Select(s => s.ContainerPath)]);
    }
}
