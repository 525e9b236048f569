using Yak.Daemon.Rpc;
using Yak.Kube;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Environments;

/// <summary>Chooses the cluster a new environment lives on (explicit kubeconfig, named cluster, or the one with most room).</summary>
internal sealed class EnvironmentPlacement(DaemonEndpoint endpoint, EnvironmentRegistry registry, TimeProvider time)
{
    /// <summary>The new environment's record, and the connection to where it was placed (the caller owns it).</summary>
    public (EnvironmentRecord Record, KubeConnection Connection) Place(string name, string specPath, EnvUpRequest request, ClusterConfig config)
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
                : WithMostRoom(config);
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
            Kubeconfig = kubeconfig.Length > 0 ? Path.GetFullPath(kubeconfig) : string.Empty,
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

    private ClusterEntry WithMostRoom(ClusterConfig config)
    {
        var placed = registry.All().GroupBy(r => r.Cluster).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var withRoom = config.Clusters.Where(c => c.Capacity <= 0 || placed.GetValueOrDefault(c.Name) < c.Capacity).ToList();
        if (withRoom.Count == 0)
        {
            throw new OperationFailedException($"Every configured cluster is full ({string.Join(", ", config.Clusters.Select(c => $"{c.Name}: {placed.GetValueOrDefault(c.Name)}/{c.Capacity}"))}); raise a capacity in config.yaml or 'yakctl down --purge' an environment.", error: YakErrors.ClustersFull);
        }

        return withRoom
            .OrderBy(c => c.Capacity <= 0 ? placed.GetValueOrDefault(c.Name) / 1e6 : placed.GetValueOrDefault(c.Name) / (double)c.Capacity)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .First();
    }
}
