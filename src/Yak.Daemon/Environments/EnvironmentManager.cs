using System.Globalization;
using System.Text.Json;
using k8s.Autorest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Yak.Daemon.Events;
using Yak.Daemon.Rpc;
using Yak.Daemon.Sync;
using Yak.Environments;
using Yak.Environments.Manifests;
using Yak.Kube;
using Yak.Kube.Environments;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Sync.Storage;

namespace Yak.Daemon.Environments;

/// <summary>
/// Owns every environment: deploys specs (server-side apply), watches rollouts and reports them as
/// <c>environment</c> events, keeps one sync session per mapping pointed at the service's current pod (releasing
/// initial-sync apps once their first sync is flushed), persists what it placed where and reconnects at start.
/// </summary>
internal sealed partial class EnvironmentManager(
    DaemonEndpoint endpoint,
    SyncSessionManager sync,
    IEnvironmentForwards forwards,
    EventHub hub,
    ILogger<EnvironmentManager> logger) : IHostedService, ISessionCountSource
{
    private static readonly TimeSpan DefaultRolloutTimeout = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim registryGate = new(1, 1);
    private readonly Dictionary<string, EnvironmentRecord> records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EnvironmentRuntime> runtimes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();

    public SessionArea Area => SessionArea.Environments;

    public int Count
    {
        get
        {
            lock (records)
            {
                return records.Count;
            }
        }
    }

    private string Root => Path.Combine(endpoint.StateDirectory, "environments");

    private string RegistryPath => Path.Combine(Root, "environments.json");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var record in LoadRegistry())
        {
            lock (records)
            {
                records[record.Name] = record;
            }

            try
            {
                // Reconnect only: nothing is applied; sync sessions resume by themselves and follow new pods.
                var runtime = OpenRuntime(record, LoadSpecOrNull(record.SpecPath));
                if (record.State != "down")
                {
                    runtime.StartSupervisor(this);
                }

                EnvironmentLog.Resumed(logger, record.Name, record.Cluster, record.State);
            }
            catch (Exception ex) when (ex is KubeConnectionException or LocalRpcException or IOException or InvalidOperationException)
            {
                EnvironmentLog.Warning(logger, record.Name, $"not resumed: {ex.Message}");
            }
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        List<EnvironmentRuntime> open;
        lock (runtimes)
        {
            open = [.. runtimes.Values];
            runtimes.Clear();
        }

        await Task.WhenAll(open.Select(r => r.DisposeAsync().AsTask()));
    }

    public async Task<EnvUpResponse> UpAsync(EnvUpRequest request, CancellationToken cancellationToken)
    {
        var (spec, warnings) = LoadSpec(request.SpecPath);
        var name = spec.Name;
        var runtime = GetRuntime(name);
        var existing = Find(name);
        if (existing is not null && !SamePath(existing.SpecPath, spec.SourceFile))
        {
            throw Invalid($"An environment named '{name}' already exists from {existing.SpecPath}; rename one of them (the spec's 'name').");
        }

        var config = ClusterConfig.Load(endpoint.ConfigDirectory);
        var record = existing ?? Place(name, spec.SourceFile, request, config);
        if (runtime is null || !runtime.Matches(record))
        {
            if (runtime is not null)
            {
                await runtime.DisposeAsync();
            }

            runtime = OpenRuntime(record, spec);
        }

        await using var operation = await runtime.LockAsync(cancellationToken);
        runtime.Spec = spec;
        var timeout = request.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(request.TimeoutSeconds) : DefaultRolloutTimeout;
        var info = await DeployAsync(runtime, record with { SpecPath = spec.SourceFile }, config, timeout, cancellationToken);
        return new EnvUpResponse { Environment = info, Warnings = [.. warnings] };
    }

    public async Task<EnvUpdateResponse> UpdateAsync(EnvUpdateRequest request, CancellationToken cancellationToken)
    {
        var record = Resolve(request.Name, request.SpecPath);
        var (spec, _) = LoadSpec(record.SpecPath);
        var unknown = request.Services.Where(s => spec[s] is null).ToList();
        if (unknown.Count > 0)
        {
            throw Invalid($"No service named {string.Join(", ", unknown.Select(u => $"'{u}'"))} in {record.SpecPath} (services: {string.Join(", ", spec.Services.Select(s => s.Name))}).");
        }

        var runtime = GetRuntime(record.Name) ?? OpenRuntime(record, spec);
        await using var operation = await runtime.LockAsync(cancellationToken);
        runtime.Spec = spec;
        var token = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
        var tokens = new Dictionary<string, string>(record.RestartTokens, StringComparer.Ordinal);
        foreach (var service in request.Services.Count > 0 ? request.Services : spec.Services.Select(s => s.Name))
        {
            tokens[service] = token;
        }

        var timeout = request.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(request.TimeoutSeconds) : DefaultRolloutTimeout;
        var info = await DeployAsync(runtime, record with { RestartTokens = tokens }, ClusterConfig.Load(endpoint.ConfigDirectory), timeout, cancellationToken);
        return new EnvUpdateResponse { Environment = info };
    }

    public async Task<EnvDownResponse> DownAsync(EnvDownRequest request, CancellationToken cancellationToken)
    {
        var record = Resolve(request.Name, request.SpecPath);
        var runtime = GetRuntime(record.Name) ?? OpenRuntime(record, LoadSpecOrNull(record.SpecPath));
        await using (await runtime.LockAsync(cancellationToken))
        {
            await runtime.StopSupervisorAsync();
            await forwards.StopAsync(record.Name, cancellationToken);
            foreach (var binding in record.Bindings)
            {
                await TerminateSessionAsync(binding.Session, cancellationToken);
            }

            var client = runtime.Connection.Client;
            try
            {
                if (request.Purge)
                {
                    await ManifestApplier.DeleteNamespaceAsync(client, record.Namespace, cancellationToken);
                }
                else
                {
                    foreach (var workload in runtime.Workloads())
                    {
                        await ManifestApplier.ScaleToZeroAsync(client, workload, cancellationToken);
                    }
                }
            }
            catch (HttpRequestException ex)
            {
                throw Failed(runtime.Connection.Unreachable(ex).Message);
            }

            EnvironmentLog.Down(logger, record.Name, request.Purge);
            if (request.Purge)
            {
                lock (runtimes)
                {
                    runtimes.Remove(record.Name);
                }

                lock (records)
                {
                    records.Remove(record.Name);
                }
            }
            else
            {
                Save(record with { State = "down", Bindings = [], ReleasedPods = [], LastError = null, UpdatedAt = DateTimeOffset.UtcNow });
            }

            await SaveRegistryAsync(cancellationToken);
            hub.Publish(EventTopics.Environment, "down", record.Name, new { name = record.Name, @namespace = record.Namespace, purged = request.Purge });
        }

        if (request.Purge)
        {
            await runtime.DisposeAsync();
        }

        return new EnvDownResponse { Name = record.Name, Namespace = record.Namespace, Purged = request.Purge };
    }

    public async Task<IReadOnlyList<EnvironmentInfo>> StatusAsync(string name, string specPath, CancellationToken cancellationToken)
    {
        List<EnvironmentRecord> selected;
        if (name.Length > 0 || specPath.Length > 0)
        {
            selected = [Resolve(name, specPath)];
        }
        else
        {
            lock (records)
            {
                selected = [.. records.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];
            }
        }

        var result = new List<EnvironmentInfo>();
        foreach (var record in selected)
        {
            var runtime = GetRuntime(record.Name);
            IReadOnlyList<ServiceRollout> rollouts = [];
            string? error = record.LastError;
            if (runtime is not null)
            {
                try
                {
                    rollouts = await RolloutWatcher.SnapshotAsync(runtime.Connection.Client, runtime.Workloads(), explain: false, cancellationToken);
                }
                catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or IOException)
                {
                    error = runtime.Connection.Unreachable(ex).Message;
                }
            }

            result.Add(BuildInfo(Find(record.Name) ?? record, runtime, rollouts, error));
        }

        return result;
    }

    private async Task<EnvironmentInfo> DeployAsync(EnvironmentRuntime runtime, EnvironmentRecord record, ClusterConfig config, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var spec = runtime.Spec ?? throw Invalid($"The spec of '{record.Name}' could not be loaded.");
        var cluster = config.Clusters.FirstOrDefault(c => c.Name == record.Cluster);
        var options = new ManifestOptions
        {
            Owner = Owner(config),
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
            var config = ClusterConfig.Load(endpoint.ConfigDirectory);
            runtime.Manifests = ManifestBuilder.Build(spec, new ManifestOptions { Owner = Owner(config), Namespace = record.Namespace, RestartTokens = record.RestartTokens });
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

    private static LocalRpcException Invalid(string message) => new(message) { ErrorCode = ErrorCodes.InvalidArgument };

    private static LocalRpcException Failed(string message) => new(message);
}
