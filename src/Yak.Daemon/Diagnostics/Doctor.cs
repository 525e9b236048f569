using Yak.Daemon.Configuration;
using Yak.Daemon.Environments;
using Yak.Daemon.Hosting;
using Yak.Daemon.Sync;
using Yak.Daemon.Sync.Agent;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Diagnostics;

/// <summary>
/// <c>daemon/doctor</c>: the checks that need yakd's state — each configured cluster and each cluster an environment
/// lives on, the inotify budget against the sync sessions' trees, free space in the state folder, and the local
/// ports the caller's yak.yaml declares. yakctl adds the checks that must work without yakd.
/// </summary>
internal sealed class Doctor(
    DaemonInfo info,
    DaemonConfiguration configuration,
    EnvironmentRegistry environments,
    SyncSessionManager syncs,
    IEnvironmentForwards forwards,
    AgentBuilds agents,
    TimeProvider time)
{
    public const string LocalContext = "yak-local";

    public async Task<IReadOnlyList<DoctorCheckInfo>> RunAsync(DoctorRequest request, CancellationToken cancellationToken)
    {
        var results = new List<DoctorCheckInfo>();
        ClusterConfig? config = null;
        try
        {
            config = configuration.Current;
        }
        catch (InvalidOperationException ex)
        {
            results.Add(Checks.Fail("config.yaml", ex.Message, YakErrors.InvalidArgument, "fix config.yaml at the line the message names."));
        }

        var clusters = config is null ? [] : Targets(config, request.LocalClusterKubeconfig);
        var clusterChecks = clusters.Select(c => ClusterChecks.RunAsync(c, config!, agents, time, cancellationToken)).ToList();

        // The host checks walk folders: off the RPC thread, while the clusters answer.
        var host = await Task.Run(
            () => new List<DoctorCheckInfo>
            {
                HostChecks.Inotify([.. syncs.Status(string.Empty).Select(s => s.LocalPath)]),
                HostChecks.FreeSpace(info.Endpoint.StateDirectory),
            }.Concat(HostChecks.DeclaredPorts(request.Folder, forwards)).ToList(),
            cancellationToken).ConfigureAwait(false);
        results.AddRange(host);

        if (config is not null && clusters.Count == 0)
        {
            results.Add(Checks.Pass("clusters", "none configured and no environment: 'yakctl up --local' uses the local cluster"));
        }

        foreach (var checks in await Task.WhenAll(clusterChecks).ConfigureAwait(false))
        {
            results.AddRange(checks);
        }

        return results;
    }

    /// <summary>config.yaml's clusters, then the clusters environments live on that it does not name, then the running local cluster.</summary>
    private List<ClusterTarget> Targets(ClusterConfig config, string localKubeconfig)
    {
        var records = environments.All();
        string NamespaceOn(string cluster) => records.FirstOrDefault(r => r.Cluster == cluster)?.Namespace ?? "default";
        var targets = config.Clusters
            .Select(c => new ClusterTarget(c.Name, c.Kubeconfig ?? string.Empty, c.Context ?? string.Empty, NamespaceOn(c.Name), c.Context == LocalContext))
            .ToList();
        foreach (var record in records.Where(r => targets.All(t => t.Name != r.Cluster)).GroupBy(r => r.Cluster, StringComparer.Ordinal))
        {
            var first = record.First();
            targets.Add(new ClusterTarget(record.Key, first.Kubeconfig, first.Context, first.Namespace, first.Context == LocalContext));
        }

        if (localKubeconfig.Length > 0 && !targets.Any(t => t.Local && SamePath(t.Kubeconfig, localKubeconfig)))
        {
            targets.Add(new ClusterTarget("local", localKubeconfig, LocalContext, "default", Local: true));
        }

        return targets;
    }

    private static bool SamePath(string a, string b) =>
        a.Length > 0 && b.Length > 0 && string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
