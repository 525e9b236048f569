using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Yak.Daemon.Events;
using Yak.Daemon.Sync;
using Yak.Environments;
using Yak.Environments.Manifests;
using Yak.Kube;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Sync.Storage;

namespace Yak.Daemon.Environments;

/// <summary>Where environments live: placement on a cluster, specs, runtimes and the persisted registry.</summary>
internal sealed partial class EnvironmentManager
{
    private EnvironmentRecord Place(string name, string specPath, EnvUpRequest request, ClusterConfig config)
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
            ClusterEntry chosen;
            if (request.Cluster.Length > 0)
            {
                chosen = config.Clusters.FirstOrDefault(c => c.Name == request.Cluster)
                    ?? throw Invalid($"No cluster named '{request.Cluster}' in {Path.Combine(endpoint.ConfigDirectory, "config.yaml")} (clusters: {string.Join(", ", config.Clusters.Select(c => c.Name))}).");
            }
            else
            {
                Dictionary<string, int> placed;
                lock (records)
                {
                    placed = records.Values.GroupBy(r => r.Cluster).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                }

                var withRoom = config.Clusters.Where(c => c.Capacity <= 0 || placed.GetValueOrDefault(c.Name) < c.Capacity).ToList();
                if (withRoom.Count == 0)
                {
                    throw Failed($"Every configured cluster is full ({string.Join(", ", config.Clusters.Select(c => $"{c.Name}: {placed.GetValueOrDefault(c.Name)}/{c.Capacity}"))}); raise a capacity in config.yaml or 'yakctl down --purge' an environment.");
                }

                chosen = withRoom.OrderBy(c => c.Capacity <= 0 ? placed.GetValueOrDefault(c.Name) / 1e6 : placed.GetValueOrDefault(c.Name) / (double)c.Capacity).ThenBy(c => c.Name, StringComparer.Ordinal).First();
            }

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

        KubeConnection connection;
        try
        {
            connection = KubeClientFactory.Create(new KubeTarget(kubeconfig, context));
        }
        catch (KubeConnectionException ex)
        {
            throw Failed(ex.Message);
        }

        using (connection)
        {
            return new EnvironmentRecord
            {
                Name = name,
                SpecPath = specPath,
                Namespace = Yak.Environments.Naming.KubeNames.Namespace(Owner(config), name),
                Cluster = cluster.Length > 0 ? cluster : connection.Context,
                Kubeconfig = kubeconfig.Length > 0 ? Path.GetFullPath(kubeconfig) : string.Empty,
                Context = context.Length > 0 ? context : connection.Context,
                Server = connection.Server,
                State = "deploying",
                UpdatedAt = DateTimeOffset.UtcNow,
            };
        }
    }

    private static string Owner(ClusterConfig config) => config.Owner is { Length: > 0 } owner ? owner : Environment.UserName;

    private EnvironmentRuntime OpenRuntime(EnvironmentRecord record, Yak.Environments.Spec.EnvironmentSpec? spec)
    {
        KubeConnection connection;
        try
        {
            connection = KubeClientFactory.Create(new KubeTarget(record.Kubeconfig, record.Context));
        }
        catch (KubeConnectionException ex)
        {
            throw Failed(ex.Message);
        }

        var runtime = new EnvironmentRuntime(record.Name, record.Kubeconfig, record.Context, connection) { Spec = spec };
        if (spec is not null)
        {
            var config = configuration.Current;
            runtime.Manifests = ManifestBuilder.Build(spec, new ManifestOptions { Owner = Owner(config), Namespace = record.Namespace, RestartTokens = record.RestartTokens, SidecarImage = config.AgentFor(record.Cluster).SidecarImage, SidecarCommand = config.AgentFor(record.Cluster).SidecarCommand });
        }

        lock (runtimes)
        {
            runtimes[record.Name] = runtime;
        }

        return runtime;
    }

    private EnvironmentRuntime? GetRuntime(string name)
    {
        lock (runtimes)
        {
            return runtimes.GetValueOrDefault(name);
        }
    }

    internal EnvironmentRecord? Find(string name)
    {
        lock (records)
        {
            return records.GetValueOrDefault(name);
        }
    }

    internal void Save(EnvironmentRecord record)
    {
        lock (records)
        {
            records[record.Name] = record;
        }
    }

    /// <summary>Changes the stored record under the records lock (the supervisor and operations both write it).</summary>
    internal EnvironmentRecord? Update(string name, Func<EnvironmentRecord, EnvironmentRecord> change)
    {
        lock (records)
        {
            if (!records.TryGetValue(name, out var current))
            {
                return null;
            }

            var next = change(current);
            records[name] = next;
            return next;
        }
    }

    private EnvironmentRecord Resolve(string name, string specPath)
    {
        if (name.Length == 0 && specPath.Length > 0)
        {
            var file = Directory.Exists(specPath) ? EnvironmentSpecLoader.FindSpecFile(specPath) : specPath;
            lock (records)
            {
                var bySpec = records.Values.FirstOrDefault(r => file is not null && SamePath(r.SpecPath, file));
                if (bySpec is not null)
                {
                    return bySpec;
                }
            }

            name = LoadSpec(specPath).Spec.Name;
        }

        return Find(name) ?? throw new LocalRpcException($"No environment named '{name}' (see 'yakctl status'; 'yakctl up' creates it).") { ErrorCode = ErrorCodes.NotFound };
    }

    private static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    private static (Yak.Environments.Spec.EnvironmentSpec Spec, IReadOnlyList<string> Warnings) LoadSpec(string path)
    {
        if (path.Length == 0 || !Path.IsPathRooted(path))
        {
            throw Invalid($"Give the spec as an absolute path (got '{path}').");
        }

        var result = EnvironmentSpecLoader.Load(path);
        if (!result.Success)
        {
            throw Invalid(string.Join("\n", result.Errors.Select(e => e.ToString())));
        }

        return (result.Spec!, [.. result.Warnings.Select(w => w.ToString())]);
    }

    private static Yak.Environments.Spec.EnvironmentSpec? LoadSpecOrNull(string path)
    {
        var result = EnvironmentSpecLoader.Load(path);
        return result.Success ? result.Spec : null;
    }

    internal async Task TerminateSessionAsync(string session, CancellationToken cancellationToken)
    {
        try
        {
            await sync.TerminateAsync(session, cancellationToken);
        }
        catch (LocalRpcException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    internal SyncSessionManager Sync => sync;

    internal EventHub Hub => hub;

    internal ILogger Logger => logger;

    internal CancellationToken Stopping => stopping.Token;

    private List<EnvironmentRecord> LoadRegistry()
    {
        if (!File.Exists(RegistryPath))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<EnvironmentRecord>>(File.ReadAllBytes(RegistryPath), YakJson.Options) ?? [];
        }
        catch (JsonException ex)
        {
            var aside = RegistryPath + ".unreadable";
            File.Move(RegistryPath, aside, overwrite: true);
            EnvironmentLog.RegistryUnreadable(logger, aside, ex.Message);
            return [];
        }
    }

    internal async Task SaveRegistryAsync(CancellationToken cancellationToken)
    {
        await registryGate.WaitAsync(cancellationToken);
        try
        {
            List<EnvironmentRecord> all;
            lock (records)
            {
                all = [.. records.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];
            }

            Directory.CreateDirectory(Root);
            AtomicFile.WriteAllBytes(RegistryPath, JsonSerializer.SerializeToUtf8Bytes(all, YakJson.Indented));
        }
        finally
        {
            registryGate.Release();
        }
    }
}
