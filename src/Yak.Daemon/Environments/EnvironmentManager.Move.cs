using k8s;
using k8s.Autorest;
using Yak.Daemon.Rpc;
using Yak.Environments.Naming;
using Yak.Kube;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>
/// <c>env/move</c>: an environment to another configured cluster — its sync sessions and forwards stop, its namespace is
/// deleted on the old cluster, and it comes up on the new one with the same spec and profiles, where its supervisor
/// starts sync and forwards again. StatefulSet volumes cannot follow (their data is on the old cluster's disks): a move
/// of an environment that has some is refused, naming each with its zone, unless the caller discards them.
/// </summary>
internal sealed partial class EnvironmentManager
{
    private static readonly TimeSpan TargetProbeLimit = TimeSpan.FromSeconds(10);

    public async Task<EnvMoveResponse> MoveAsync(EnvMoveRequest request, CancellationToken cancellationToken)
    {
        await WhenResumedAsync(cancellationToken);
        var record = Resolve(request.Name, request.SpecPath);
        var config = configuration.Current;
        var target = config.Clusters.FirstOrDefault(c => c.Name == request.Cluster)
            ?? throw new InvalidArgumentException(
                $"No cluster named '{request.Cluster}' in config.yaml (clusters: {string.Join(", ", config.Clusters.Select(c => c.Name))}).", YakErrors.UnknownCluster);
        if (target.Name == record.Cluster)
        {
            throw new InvalidArgumentException($"Environment '{record.Name}' is already on {target.Name}.", fix: "name another cluster of config.yaml with --to.");
        }

        // Everything that can refuse the move is asked before anything is stopped: the spec, the new cluster, the volumes.
        LoadSpec(record.SpecPath, record.Profiles);
        await ProbeAsync(target, cancellationToken);
        var runtime = GetRuntime(record.Name) ?? OpenRuntime(record, LoadSpecOrError(record.SpecPath, record.Profiles).Spec);
        var volumes = await VolumesAsync(runtime, record, cancellationToken);
        if (volumes.Count > 0 && !request.DiscardVolumes)
        {
            var service = volumes[0].Service;
            throw new InvalidArgumentException(
                $"The volumes of '{record.Name}' cannot follow it to {target.Name}: {string.Join(", ", volumes.Select(Describe))}. " +
                $"Their data stays on {record.Cluster} (yak does not copy volumes between clusters), and moving deletes namespace {record.Namespace} there with them.",
                YakErrors.VolumesCannotMove,
                $"copy out what you need ('yakctl exec {service} -- tar c PATH > {service}.tar'), then 'yakctl move {record.Name} --to {target.Name} --discard-volumes': its services start on {target.Name} with empty volumes.");
        }

        var from = record.Cluster;
        Moving(record.Name, from, target.Name, MoveStep.Leaving, $"stopping sync and forwards, deleting namespace {record.Namespace} on {from}");
        await DownAsync(new EnvDownRequest { Name = record.Name, SpecPath = string.Empty, Purge = true }, cancellationToken);
        Moving(record.Name, from, target.Name, MoveStep.Deploying, $"deploying on {target.Name}");
        var up = await UpAsync(
            new EnvUpRequest { SpecPath = record.SpecPath, Cluster = target.Name, Kubeconfig = string.Empty, Context = string.Empty, TimeoutSeconds = request.TimeoutSeconds, Profiles = record.Profiles },
            cancellationToken);
        EnvironmentLog.Moved(logger, record.Name, from, target.Name, volumes.Count);
        return new EnvMoveResponse { Environment = up.Environment, From = from, DiscardedVolumes = volumes, Warnings = up.Warnings };
    }

    private static string Describe(MovedVolumeInfo volume) =>
        $"{volume.Claim} of {volume.Service} ({volume.Size ?? "size not set"}, {(volume.Zone is null ? "zone not known" : $"zone {volume.Zone}")})";

    /// <summary>The new cluster answers (its version), so an unreachable one refuses the move before the old namespace is deleted.</summary>
    private static async Task ProbeAsync(ClusterEntry target, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TargetProbeLimit);
        using var connection = EnvironmentPlacement.Connect(target.Kubeconfig ?? string.Empty, target.Context ?? string.Empty);
        try
        {
            using var answer = await connection.Client.Version.GetCodeWithHttpMessagesAsync(cancellationToken: limit.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OperationFailedException(
                $"Cluster {target.Name} does not answer ({(ex is OperationCanceledException ? $"no answer within {TargetProbeLimit.TotalSeconds:0} s" : ex.GetBaseException().Message)}); nothing was moved.",
                ex,
                YakErrors.ClusterUnreachable);
        }
    }

    /// <summary>The environment's StatefulSet volume claims on its cluster, with their service, size and the zone of their disk.</summary>
    private async Task<IReadOnlyList<MovedVolumeInfo>> VolumesAsync(EnvironmentRuntime runtime, EnvironmentRecord record, CancellationToken cancellationToken)
    {
        k8s.Models.V1PersistentVolumeClaimList claims;
        try
        {
            claims = await runtime.Connection.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(record.Namespace, labelSelector: KubeNames.ServiceLabel, limit: 500, cancellationToken: cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new OperationFailedException(runtime.Connection.Unreachable(ex).Message, ex, YakErrors.ClusterUnreachable);
        }
        catch (HttpOperationException ex)
        {
            throw new OperationFailedException(
                $"Cannot list the volume claims of {record.Namespace} on {record.Cluster} ({KubeErrors.Describe(ex)}): without them yak cannot say what a move would lose; nothing was moved.",
                ex,
                YakErrors.ClusterRefused);
        }

        if (claims.Items.Count == 0)
        {
            return [];
        }

        var zones = await VolumeZonesAsync(record.Name, cancellationToken);
        return [.. claims.Items
            .Select(c =>
            {
                var service = c.Metadata.Labels[KubeNames.ServiceLabel];
                return new MovedVolumeInfo
                {
                    Claim = c.Metadata.Name,
                    Service = service,
                    Size = c.Spec?.Resources?.Requests?.TryGetValue("storage", out var size) == true ? size.ToString() : null,
                    Zone = zones.GetValueOrDefault(service),
                };
            })
            .OrderBy(v => v.Claim, StringComparer.Ordinal)];
    }

    private void Moving(string name, string from, string to, MoveStep step, string message) =>
        hub.Publish(EventKinds.EnvMoving, name, new EnvMovingInfo { Name = name, From = from, To = to, Step = step, Message = message });
}
