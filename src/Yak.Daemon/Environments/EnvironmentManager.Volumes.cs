using k8s;
using Yak.Environments.Manifests;
using Yak.Environments.Naming;
using Yak.Environments.Spec;
using Yak.Kube.Environments;
using Yak.Daemon.Rpc;

namespace Yak.Daemon.Environments;

/// <summary>Volumes stay where their disk is: the zones of the stateful services' volumes, remembered and applied.</summary>
internal sealed partial class EnvironmentManager
{
    private static readonly TimeSpan VolumeZoneTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The zone of each stateful service's volumes of environment <paramref name="name"/> (read now from the cluster,
    /// else as remembered): a service listed here has data that cannot follow the environment to another cluster or zone
    /// (what <c>move</c> must say).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> VolumeZonesAsync(string name, CancellationToken cancellationToken)
    {
        await WhenResumedAsync(cancellationToken);
        var record = registry.Find(name) ?? throw new NotFoundException($"No environment named '{name}' (see 'yakctl status').");
        var runtime = GetRuntime(record.Name);
        var live = runtime is null ? null : await ReadVolumeZonesAsync(runtime.Connection.Client, record, cancellationToken);
        var zones = new Dictionary<string, string>(record.VolumeZones, StringComparer.Ordinal);
        foreach (var (service, zone) in live ?? new Dictionary<string, string>())
        {
            zones[service] = zone;
        }

        return zones;
    }

    /// <summary>The zones of the environment's volumes now, merged over the remembered ones; null when they cannot be read.</summary>
    private async Task<Dictionary<string, string>?> ReadVolumeZonesAsync(IKubernetes client, EnvironmentRecord record, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(VolumeZoneTimeout);
        try
        {
            var read = await VolumeZones.ReadAsync(client, record.Namespace, KubeNames.ServiceLabel, bounded.Token);
            if (read is null)
            {
                EnvironmentLog.Warning(logger, record.Name, "may not read PersistentVolumes: the zones of its volumes are not known, its stateful pods are not pinned to them");
                return null;
            }

            var zones = new Dictionary<string, string>(record.VolumeZones, StringComparer.Ordinal);
            foreach (var (service, zone) in read)
            {
                zones[service] = zone;
            }

            return zones;
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            EnvironmentLog.Warning(logger, record.Name, $"could not read the zones of its volumes: {ex.Message}");
            return null;
        }
    }

    /// <summary>Each stateful service with a remembered volume zone runs there, tolerating the cluster's dedicated nodes.</summary>
    private static Dictionary<string, Placement> VolumePlacements(EnvironmentRecord? record, EnvironmentSpec spec, Placement cluster) =>
        (record?.VolumeZones ?? [])
            .Where(z => spec[z.Key] is { IsStateful: true })
            .ToDictionary(z => z.Key, z => cluster with { Zone = z.Value }, StringComparer.Ordinal);
}
