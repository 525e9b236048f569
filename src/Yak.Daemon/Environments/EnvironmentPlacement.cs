using Yak.Daemon.Rpc;
using Yak.Kube;
using Yak.Kube.Capacity;
using Yak.Kube.Kubeconfig;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Environments;

/// <summary>Chooses the cluster a new environment lives on (explicit kubeconfig, named cluster, or the one with most room, counted on the clusters).</summary>
internal sealed class EnvironmentPlacement(DaemonEndpoint endpoint, EnvironmentRegistry registry, TimeProvider time)
{
    /// <summary>The new environment's record, and the connection to where it was placed (the caller owns it).</summary>
    public async Task<(EnvironmentRecord Record, KubeConnection Connection)> PlaceAsync(string name, string specPath, EnvUpRequest request, ClusterConfig config, CancellationToken cancellationToken)
    {
        string cluster, kubeconfig, context;
        if (request.Kubeconfig.Length > 0)
        {
            kubeconfig = request.Kubeconfig;
            context = request.Context;
            cluster = context.Length > 0 ? context : Path.GetFileName(kubeconfig);
        }
        else if (config.Clusters.Count > 0)
        {
            var chosen = request.Cluster.Length > 0
                ? config.Clusters.FirstOrDefault(c => c.Name == request.Cluster)
                    ?? throw new InvalidArgumentException($"No cluster named '{request.Cluster}' in {Path.Combine(endpoint.ConfigDirectory, "config.yaml")} (clusters: {string.Join(", ", config.Clusters.Select(c => c.Name))}).", YakErrors.UnknownCluster)
                : await WithMostRoomAsync(config, cancellationToken).ConfigureAwait(false);
            cluster = chosen.Name;
            kubeconfig = chosen.Kubeconfig ?? string.Empty;
            context = chosen.Context ?? string.Empty;
        }
        else
        {
            kubeconfig = string.Empty;
            context = request.Context;
            cluster = string.Empty;
        }

        var connection = Connect(kubeconfig, context);
        return (new EnvironmentRecord
        {
            Name = name,
            SpecPath = specPath,
            Namespace = Yak.Environments.Naming.KubeNames.Namespace(Owner(config), name),
            Cluster = cluster.Length > 0 ? cluster : connection.Context,
            Kubeconfig = kubeconfig.Length > 0 ? KubeconfigLoader.FullPaths(kubeconfig) : string.Empty,
            Context = context.Length > 0 ? context : connection.Context,
            Server = connection.Server,
            State = EnvironmentState.Deploying,
            UpdatedAt = time.GetUtcNow(),
        }, connection);
    }

    public static string Owner(ClusterConfig config) => config.Owner is { Length: > 0 } owner ? owner : Environment.UserName;

    public static KubeConnection Connect(string kubeconfig, string context)
    {
        try
        {
            return KubeClientFactory.Create(new KubeTarget(kubeconfig, context));
        }
        catch (KubeConnectionException ex)
        {
            throw new OperationFailedException(ex.Message, ex, YakErrors.ClusterUnreachable);
        }
    }

    /// <summary>How long measuring one cluster may take before it counts as not answering.</summary>
    private static readonly TimeSpan MeasureLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The configured cluster with the most room, counted on each cluster: under its capacity in environments of every
    /// user, then the most free CPU and memory against what its pods request (clusters that may not list nodes count
    /// as half free), then the fewest environments per capacity. A cluster that does not answer is passed over.
    /// </summary>
    private async Task<ClusterEntry> WithMostRoomAsync(ClusterConfig config, CancellationToken cancellationToken)
    {
        // Where namespaces may not be listed, this laptop's own environments are all that can be counted.
        var placed = registry.All().GroupBy(r => r.Cluster).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var measured = await Task.WhenAll(config.Clusters.Select(c => MeasureAsync(c, cancellationToken))).ConfigureAwait(false);
        var answered = measured.Where(m => m.Room is not null)
            .Select(m => (m.Entry, Room: m.Room! with { Environments = m.Room.Environments ?? placed.GetValueOrDefault(m.Entry.Name) }, m.Problem))
            .ToList();
        if (answered.Count == 0)
        {
            throw new OperationFailedException(
                $"No configured cluster answers ({string.Join("; ", measured.Select(m => $"{m.Entry.Name}: {m.Problem}"))}).", error: YakErrors.ClusterUnreachable);
        }

        var withRoom = answered.Where(m => m.Entry.Capacity <= 0 || m.Room!.Environments < m.Entry.Capacity).ToList();
        if (withRoom.Count == 0)
        {
            throw new OperationFailedException(
                $"Every configured cluster is full ({string.Join(", ", answered.Select(m => $"{m.Entry.Name}: {m.Room!.Environments}/{m.Entry.Capacity}"))} environments of all users); raise a capacity in config.yaml or 'yakctl down --purge' an environment.",
                error: YakErrors.ClustersFull);
        }

        return withRoom
            .OrderByDescending(m => m.Room!.FreeFraction ?? 0.5)
            .ThenBy(m => m.Entry.Capacity <= 0 ? m.Room!.Environments / 1e6 : m.Room!.Environments / (double)m.Entry.Capacity)
            .ThenBy(m => m.Entry.Name, StringComparer.Ordinal)
            .First().Entry;
    }

    private static async Task<(ClusterEntry Entry, ClusterRoom? Room, string? Problem)> MeasureAsync(ClusterEntry entry, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(MeasureLimit);
        try
        {
            using var connection = KubeClientFactory.Create(new KubeTarget(entry.Kubeconfig ?? string.Empty, entry.Context ?? string.Empty));
            return (entry, await ClusterRoom.MeasureAsync(connection.Client, limit.Token).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is KubeConnectionException or HttpRequestException or k8s.Autorest.HttpOperationException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (entry, null, ex is OperationCanceledException ? $"no answer within {MeasureLimit.TotalSeconds:0} s" : ex.GetBaseException().Message);
        }
    }
}
