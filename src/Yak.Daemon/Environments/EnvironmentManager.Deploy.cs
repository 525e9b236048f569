using System.Globalization;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Yak.Daemon.Rpc;
using Yak.Daemon.Sync;
using Yak.Environments;
using Yak.Environments.Manifests;
using Yak.Kube.Environments;
using Yak.Protocol.Messages;
using Yak.Sync.Storage;

namespace Yak.Daemon.Environments;

/// <summary>Deploying an environment and describing it: apply, rollout progress, status.</summary>
internal sealed partial class EnvironmentManager
{
    private async Task<EnvironmentInfo> DeployAsync(EnvironmentRuntime runtime, EnvironmentRecord record, ClusterConfig config, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var spec = runtime.Spec ?? throw Invalid($"The spec of '{record.Name}' could not be loaded.");
        var cluster = config.Clusters.FirstOrDefault(c => c.Name == record.Cluster);
        var agent = config.AgentFor(record.Cluster);
        var options = new ManifestOptions
        {
            Owner = Owner(config),
            SidecarImage = agent.SidecarImage,
            SidecarCommand = agent.SidecarCommand,
            Placement = cluster?.Placement ?? Placement.Anywhere,
            RestartTokens = record.RestartTokens,
            Namespace = record.Namespace,
        };
        if (config.SidecarCommand is { Count: > 0 } sidecar)
        {
            options = options with { SidecarCommand = sidecar };
        }

        var manifests = ManifestBuilder.Build(spec, options);
        runtime.Manifests = manifests;
        record = record with { State = "deploying", LastError = null, UpdatedAt = DateTimeOffset.UtcNow };
        Save(record);
        await SaveRegistryAsync(cancellationToken);
        hub.Publish(EventTopics.Environment, "applying", record.Name, new { name = record.Name, @namespace = record.Namespace, cluster = record.Cluster, server = record.Server, objects = manifests.Objects.Count });

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        deadline.CancelAfter(timeout);
        var client = runtime.Connection.Client;
        IReadOnlyList<ServiceRollout> rollouts;
        try
        {
            var applied = await ManifestApplier.ApplyAsync(client, manifests.Objects, deadline.Token);
            var changed = applied.Count(a => a.Changed);
            EnvironmentLog.Applied(logger, record.Name, record.Namespace, record.Cluster, changed, applied.Count);
            hub.Publish(EventTopics.Environment, "applied", record.Name, new { changed, total = applied.Count, objects = applied.Where(a => a.Changed).Select(a => $"{a.Kind}/{a.Name}").ToList() });

            // Sync follows pods from now on: initial-sync apps wait for it before they can become ready.
            runtime.StartSupervisor(this);
            rollouts = await RolloutWatcher.WaitAsync(client, record.Namespace, runtime.Workloads(), r => OnProgress(record.Name, r), deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            var late = await RolloutWatcher.SnapshotAsync(client, runtime.Workloads(), explain: true, CancellationToken.None);
            var waiting = string.Join(", ", late.Where(r => r.State != RolloutState.Ready).Select(r => $"{r.Service} ({r.Ready}/{r.Desired}{(r.Message is null ? string.Empty : ": " + r.Message)})"));
            return Fail(record, runtime, late, $"The rollout did not finish within {timeout.TotalSeconds:0} s; still waiting for {waiting}.");
        }
        catch (HttpRequestException ex)
        {
            throw Failed(runtime.Connection.Unreachable(ex).Message);
        }
        catch (HttpOperationException ex)
        {
            var message = $"The cluster refused the environment: {ex.Response.ReasonPhrase} {ex.Response.Content}".Trim();
            Save(record with { State = "error", LastError = message });
            await SaveRegistryAsync(CancellationToken.None);
            throw Failed(message);
        }

        var stuck = rollouts.Where(r => r.State == RolloutState.Stuck).ToList();
        if (stuck.Count > 0)
        {
            return Fail(record, runtime, rollouts, string.Join("\n", stuck.Select(s => $"{s.Service}: {s.Message}")));
        }

        // Everything is ready: make sure the code in the pods is the code on disk before saying so.
        var sessions = (Find(record.Name) ?? record).Bindings.Select(b => b.Session).ToList();
        foreach (var session in sessions)
        {
            try
            {
                await sync.FlushAsync(session, deadline.Token);
            }
            catch (LocalRpcException)
            {
            }
        }

        record = (Find(record.Name) ?? record) with { State = "up", LastError = null, UpdatedAt = DateTimeOffset.UtcNow, RestartTokens = record.RestartTokens };
        Save(record);
        await SaveRegistryAsync(cancellationToken);
        await forwards.StartAsync(record.Name, ForwardTargets(record, manifests), cancellationToken);
        var info = BuildInfo(record, runtime, rollouts, null);
        hub.Publish(EventTopics.Environment, "ready", record.Name, info);
        return info;
    }

    private EnvironmentInfo Fail(EnvironmentRecord record, EnvironmentRuntime runtime, IReadOnlyList<ServiceRollout> rollouts, string message)
    {
        record = (Find(record.Name) ?? record) with { State = "error", LastError = message, UpdatedAt = DateTimeOffset.UtcNow, RestartTokens = record.RestartTokens };
        Save(record);
        _ = SaveRegistryAsync(CancellationToken.None);
        hub.Publish(EventTopics.Environment, "failed", record.Name, new { name = record.Name, message });
        return BuildInfo(record, runtime, rollouts, message);
    }

    private void OnProgress(string name, ServiceRollout rollout)
    {
        var state = StateName(rollout.State);
        EnvironmentLog.Progress(logger, name, rollout.Service, state, rollout.Ready, rollout.Desired);
        if (rollout.State == RolloutState.Stuck)
        {
            EnvironmentLog.Stuck(logger, name, rollout.Service, rollout.Message ?? "?");
            hub.Publish(EventTopics.Environment, "stuck", name, new { service = rollout.Service, message = rollout.Message });
        }

        hub.Publish(EventTopics.Environment, "progress", name, new { service = rollout.Service, state, ready = rollout.Ready, desired = rollout.Desired, message = rollout.Message });
    }

    private static string StateName(RolloutState state) => state switch
    {
        RolloutState.Pending => "pending",
        RolloutState.RollingOut => "rollingOut",
        RolloutState.Ready => "ready",
        RolloutState.Stuck => "stuck",
        RolloutState.ScaledDown => "scaledDown",
        _ => "unknown",
    };

    private EnvironmentInfo BuildInfo(EnvironmentRecord record, EnvironmentRuntime? runtime, IReadOnlyList<ServiceRollout> rollouts, string? error)
    {
        var services = new List<EnvironmentServiceInfo>();
        foreach (var service in runtime?.Manifests?.Services ?? [])
        {
            var rollout = rollouts.FirstOrDefault(r => r.Service == service.Name);
            var syncs = new List<EnvironmentSyncInfo>();
            for (var i = 0; i < service.Syncs.Count; i++)
            {
                var mapping = service.Syncs[i];
                var binding = record.Bindings.FirstOrDefault(b => b.Service == service.Name && b.Index == i);
                var session = binding is null ? null : SessionStatus(binding.Session);
                syncs.Add(new EnvironmentSyncInfo
                {
                    Session = binding?.Session ?? SessionName(record.Name, service.Name, i),
                    LocalPath = mapping.LocalPath,
                    ContainerPath = mapping.ContainerPath,
                    Endpoint = session?.Endpoint ?? string.Empty,
                    State = session?.State.ToString().ToLowerInvariant() ?? (record.State == "down" ? "stopped" : "pending"),
                    LastError = session?.LastError,
                });
            }

            services.Add(new EnvironmentServiceInfo
            {
                Name = service.Name,
                Kind = service.Kind.ToString(),
                Selector = SelectorText(service.Selector),
                State = rollout is null ? "unknown" : StateName(rollout.State),
                ReadyReplicas = rollout?.Ready ?? 0,
                DesiredReplicas = rollout?.Desired ?? 0,
                Message = rollout?.Message,
                Pods = [.. (rollout?.Pods ?? []).Select(p => new EnvironmentPodInfo { Name = p.Name, Phase = p.Terminating ? "Terminating" : p.Phase, Ready = p.Ready, Restarts = p.Restarts, Reason = p.Reason })],
                Syncs = syncs,
                Ports = [.. service.Ports.Select(p => new EnvironmentPortInfo
                {
                    Name = p.Name,
                    ContainerPort = p.ContainerPort,
                    LocalPort = p.LocalPort,
                    Protocol = p.Protocol.ToString().ToUpperInvariant(),
                    Forward = p.LocalPort is { } local ? forwards.State(record.Name, service.Name, local) ?? "pending" : "none",
                    Url = p.LocalPort is { } port && p.Protocol.ToString().Equals("tcp", StringComparison.OrdinalIgnoreCase) ? $"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}" : null,
                })],
            });
        }

        return new EnvironmentInfo
        {
            Name = record.Name,
            Namespace = record.Namespace,
            SpecPath = record.SpecPath,
            Cluster = record.Cluster,
            Server = record.Server,
            State = record.State,
            LastError = error ?? record.LastError,
            UpdatedAt = record.UpdatedAt,
            Services = services,
        };
    }

    private SyncSessionInfo? SessionStatus(string session)
    {
        try
        {
            return sync.Status(session).FirstOrDefault();
        }
        catch (LocalRpcException)
        {
            return null;
        }
    }

    private static IReadOnlyList<EnvironmentForwardTarget> ForwardTargets(EnvironmentRecord record, EnvironmentManifests manifests) =>
        [.. manifests.Services
            .Where(s => s.Ports.Any(p => p.LocalPort is not null))
            .Select(s => new EnvironmentForwardTarget(record.Name, s.Name, record.Namespace, SelectorText(s.Selector), record.Kubeconfig, record.Context, [.. s.Ports.Where(p => p.LocalPort is not null)]))];

    internal static string SelectorText(IReadOnlyDictionary<string, string> selector) =>
        string.Join(',', selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    internal static string SessionName(string environment, string service, int index)
    {
        var name = $"{environment}.{service}.{index.ToString(CultureInfo.InvariantCulture)}";
        return name.Length <= 63 ? name : $"{name[..54]}.{Yak.Environments.Naming.KubeNames.Hash(name)}";
    }
}
