using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yak.Protocol;
using Yak.Daemon.Configuration;
using Yak.Daemon.Events;
using Yak.Daemon.Hosting;
using Yak.Daemon.Images;
using Yak.Daemon.Rpc;
using Yak.Daemon.Kube;
using Yak.Daemon.Telemetry;
using Yak.Daemon.Sync;
using Yak.Environments;
using Yak.Environments.Manifests;
using Yak.Environments.Spec;
using Yak.Kube;
using Yak.Kube.Environments;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Environments;

/// <summary>
/// The environment verbs. Up and update record what is wanted (spec, restart tokens, "apply this") and wake the
/// environment's supervisor, which does the work whether or not the caller stays; they then watch it until every
/// service is ready or the timeout. Down stops the supervisor and scales to zero (or purges). At start every
/// environment that is wanted up gets its supervisor back.
/// </summary>
internal sealed partial class EnvironmentManager(
    DaemonConfiguration configuration,
    EnvironmentRegistry registry,
    EnvironmentPlacement placement,
    KubeConnections kube,
    SyncSessionManager sync,
    IEnvironmentForwards forwards,
    EventHub hub,
    TimeProvider time,
    Sharing.GuestRegistry guests,
    ILogger<EnvironmentManager> logger) : IHostedService, ISessionCountSource
{
    private static readonly TimeSpan DefaultRolloutTimeout = TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, EnvironmentRuntime> runtimes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    private Task resumed = Task.CompletedTask;
    private readonly SupervisorServices services = new(registry, sync, forwards, hub, logger, time);

    public SessionArea Area => SessionArea.Environments;

    public int Count => registry.Count;

    /// <summary>
    /// Reads the registry, so every environment is listed from the first answer, and resumes them (specs parsed,
    /// cluster clients built, supervisors back) on the thread pool: that was a quarter of yakd's CPU until its first
    /// answer with one environment registered, and a hello or a daemon status needs none of it. What reads or changes
    /// an environment waits for it (<see cref="WhenResumedAsync"/>), so no answer shows one half-resumed.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var records = registry.Load();
        resumed = Task.Run(() => Resume(records), CancellationToken.None);
        return Task.CompletedTask;
    }

    private void Resume(IReadOnlyList<EnvironmentRecord> records)
    {
        foreach (var record in records)
        {
            try
            {
                // Reconnect: nothing is applied unless an up was interrupted before it applied; sync sessions resume
                // by themselves and the supervisor follows new pods.
                var (spec, specError) = LoadSpecOrError(record.SpecPath, record.Profiles);
                var runtime = OpenRuntime(record, spec);
                if (specError is not null)
                {
                    // Listed with the reason, and left alone: a spec that does not load is the user's to fix.
                    NotResumed(record, $"its spec cannot be loaded:\n{specError}\nFix it and run 'yakctl up'.", YakErrors.SpecInvalid);
                    continue;
                }

                if (record.State != EnvironmentState.Down)
                {
                    runtime.Supervise(services, stopping.Token);
                }

                EnvironmentLog.Resumed(logger, record.Name, record.Cluster, YakJson.WireName(record.State));
            }
            catch (DaemonException ex)
            {
                NotResumed(record, ex.Message, ex.Error);
            }
            catch (Exception ex)
            {
                // A bug must cost this one environment, logged, not fault the resume every environment call awaits.
                EnvironmentLog.ResumeFailed(logger, ex, record.Name);
                NotResumed(record, $"resuming it failed unexpectedly ({ex.GetType().Name}: {ex.Message}); run 'yakctl up' again, and see yakd's log.", YakErrors.Unexpected);
            }
        }
    }

    /// <summary>Completes once every registered environment is resumed or listed as not resumed.</summary>
    private Task WhenResumedAsync(CancellationToken cancellationToken) => resumed.WaitAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A resume still running would add runtimes after they are disposed below.
        await resumed.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await stopping.CancelAsync();
        List<EnvironmentRuntime> open;
        lock (runtimes)
        {
            open = [.. runtimes.Values];
            runtimes.Clear();
        }

        await ShutdownWait.AllAsync([.. open.Select(r => r.DisposeAsync().AsTask())], "environment(s)", logger, cancellationToken);
    }

    public async Task<EnvUpResponse> UpAsync(EnvUpRequest request, CancellationToken cancellationToken)
    {
        await WhenResumedAsync(cancellationToken);
        var started = time.GetUtcNow();
        var profiles = (request.Profiles ?? []).Distinct(StringComparer.Ordinal).ToList();
        var (spec, warnings) = LoadSpec(request.SpecPath, profiles);
        using var wait = EnvironmentWait.Begin(hub, time, WaitKinds.Up, spec.Name, started);
        var existing = registry.Find(spec.Name);
        if (existing is not null && !SamePath(existing.SpecPath, spec.SourceFile))
        {
            throw new InvalidArgumentException($"An environment named '{spec.Name}' already exists from {existing.SpecPath}; rename one of them (the spec's 'name').", YakErrors.NameTaken);
        }

        var config = configuration.Current;
        var manifests = Build(spec, existing, config);
        EnsurePortsFree(spec, manifests);
        EnvironmentRecord record;
        EnvironmentRuntime runtime;
        if (existing is null)
        {
            // A new environment: it keeps the daemon's shared connection to where it was placed.
            (record, var connection) = await placement.PlaceAsync(spec.Name, spec.SourceFile, request, config, cancellationToken);
            record = record with { Profiles = profiles };
            manifests = Build(spec, record, config);
            runtime = await RuntimeForAsync(record, spec, manifests, connection);
        }
        else
        {
            record = existing with { Profiles = profiles };
            runtime = await RuntimeForAsync(record, spec, manifests, connection: null);
        }

        long ticket;
        EnvironmentSupervisor supervisor;
        await using (await runtime.LockAsync(cancellationToken))
        {
            runtime.Spec = spec;
            runtime.Manifests = manifests;
            registry.Put(record with { SpecPath = spec.SourceFile, State = EnvironmentState.Deploying, PendingApply = true, LastError = null, LastErrorCode = null, UpdatedAt = time.GetUtcNow() });
            supervisor = runtime.Supervise(services, stopping.Token);
            ticket = supervisor.Wake();
        }

        var info = await TimedWatchAsync(wait, runtime, supervisor, ticket, Timeout(request.TimeoutSeconds), cancellationToken);
        return new EnvUpResponse { Environment = info, Warnings = [.. warnings] };
    }

    public async Task<EnvUpdateResponse> UpdateAsync(EnvUpdateRequest request, CancellationToken cancellationToken)
    {
        await WhenResumedAsync(cancellationToken);
        var started = time.GetUtcNow();
        var record = Resolve(request.Name, request.SpecPath);
        using var wait = EnvironmentWait.Begin(hub, time, WaitKinds.Update, record.Name, started);
        var (spec, _) = LoadSpec(record.SpecPath, record.Profiles);
        var unknown = request.Services.Where(s => spec[s] is null).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidArgumentException($"No service named {string.Join(", ", unknown.Select(u => $"'{u}'"))} in {record.SpecPath} (services: {string.Join(", ", spec.Services.Select(s => s.Name))}).");
        }

        var runtime = await RuntimeForAsync(record, spec, Build(spec, record, configuration.Current), connection: null);
        (record, var images) = await FetchImagesAsync(runtime, record, spec, request.Services, cancellationToken);
        var manifests = Build(spec, record, configuration.Current);
        long ticket;
        EnvironmentSupervisor supervisor;
        await using var progress = new UpdateProgress(hub, record.Name, runtime.Connection.Client, runtime.Connection.Informers, record.Namespace, RolledImages(images, record), started);
        await using (await runtime.LockAsync(cancellationToken))
        {
            runtime.Spec = spec;
            runtime.Manifests = manifests;
            registry.Put(record with { State = EnvironmentState.Deploying, PendingApply = true, LastError = null, LastErrorCode = null, UpdatedAt = time.GetUtcNow() });
            supervisor = runtime.Supervise(services, stopping.Token);
            ticket = supervisor.Wake();
        }

        var info = await TimedWatchAsync(wait, runtime, supervisor, ticket, Timeout(request.TimeoutSeconds), cancellationToken);
        await progress.CatchUpAsync(cancellationToken);
        return new EnvUpdateResponse { Environment = info, Images = WithTimes(images, progress) };
    }

    public async Task<EnvDownResponse> DownAsync(EnvDownRequest request, CancellationToken cancellationToken)
    {
        await WhenResumedAsync(cancellationToken);
        var record = Resolve(request.Name, request.SpecPath);
        var runtime = GetRuntime(record.Name) ?? OpenRuntime(record, LoadSpecOrError(record.SpecPath, record.Profiles).Spec);
        await using (await runtime.LockAsync(cancellationToken))
        {
            await runtime.StopSupervisorAsync();
            await forwards.StopAsync(record.Name, cancellationToken);
            foreach (var binding in record.Bindings)
            {
                await sync.TerminateIfExistsAsync(binding.Session, cancellationToken);
            }

            var client = runtime.Connection.Client;
            var zones = request.Purge ? null : await ReadVolumeZonesAsync(client, record, cancellationToken);
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
                throw new OperationFailedException(runtime.Connection.Unreachable(ex).Message, ex, YakErrors.ClusterUnreachable);
            }

            EnvironmentLog.Down(logger, record.Name, request.Purge);
            if (request.Purge)
            {
                lock (runtimes)
                {
                    runtimes.Remove(record.Name);
                }

                registry.Remove(record.Name);
            }
            else
            {
                registry.Update(record.Name, r => r with { State = EnvironmentState.Down, VolumeZones = zones ?? r.VolumeZones, PendingApply = false, Bindings = [], ReleasedPods = [], LastError = null, LastErrorCode = null, UpdatedAt = time.GetUtcNow() });
            }

            hub.Publish(EventKinds.EnvDown, record.Name, new EnvDownInfo { Name = record.Name, Namespace = record.Namespace, Purged = request.Purge });
        }

        if (request.Purge)
        {
            await runtime.DisposeAsync();
        }

        return new EnvDownResponse { Name = record.Name, Namespace = record.Namespace, Purged = request.Purge };
    }

    public async Task<IReadOnlyList<EnvironmentInfo>> StatusAsync(string name, string specPath, CancellationToken cancellationToken)
    {
        await WhenResumedAsync(cancellationToken);
        IReadOnlyList<EnvironmentRecord> selected = name.Length > 0 || specPath.Length > 0 ? [Resolve(name, specPath)] : registry.All();
        var result = new List<EnvironmentInfo>();
        foreach (var record in selected)
        {
            var runtime = GetRuntime(record.Name);
            IReadOnlyList<ServiceRollout> rollouts = [];
            string? error = null;
            YakError? errorCode = null;
            if (runtime is not null)
            {
                try
                {
                    // A supervised environment's informers answer without a request; another is read once from the API.
                    rollouts = runtime.Explain(runtime.ActiveRollouts is { } cached
                        ? await cached.SnapshotAsync(runtime.Workloads(), explain: false, cancellationToken)
                        : await RolloutWatcher.SnapshotAsync(runtime.Connection.Client, runtime.Workloads(), explain: false, cancellationToken));
                }
                catch (Exception ex) when (ex is HttpRequestException or k8s.Autorest.HttpOperationException or IOException)
                {
                    error = runtime.Connection.Unreachable(ex).Message;
                    errorCode = YakErrors.ClusterUnreachable;
                }
            }

            result.Add(EnvironmentStatus.Build(registry.Find(record.Name) ?? record, runtime?.Manifests, rollouts, services, error, errorCode));
        }

        return result;
    }

    /// <summary>
    /// A declared local port held by another environment's forward or by another process fails up before anything is
    /// deployed, naming who holds it (a forward that cannot listen would leave a URL serving someone else's page).
    /// </summary>
    private void EnsurePortsFree(EnvironmentSpec spec, EnvironmentManifests manifests)
    {
        foreach (var (service, port) in manifests.Services.SelectMany(s => s.Ports.Where(p => p.LocalPort is > 0).Select(p => (s.Name, p.LocalPort!.Value))))
        {
            var holder = forwards.OnPort(port);
            if (holder is not null)
            {
                if (holder.Environment == spec.Name)
                {
                    continue;
                }

                throw new InvalidArgumentException(holder.Environment.Length > 0
                    ? $"Local port {port} of {service} is already forwarded by environment '{holder.Environment}' ({holder.Name}); change the port in {spec.SourceFile} or 'yakctl down' that environment."
                    : $"Local port {port} of {service} is already forwarded by '{holder.Name}'; change the port in {spec.SourceFile} or 'yakctl forward remove {holder.Name}'.", YakErrors.LocalPortBusy);
            }

            if (!LocalPorts.IsFree(port))
            {
                var process = Yak.Forwarding.PortHolder.Find(port);
                throw new InvalidArgumentException(
                    $"Local port {port} of {service} is taken by {process ?? "another process"}; stop it or change the port in {spec.SourceFile}.", YakErrors.LocalPortBusy);
            }
        }
    }

    private static TimeSpan Timeout(int seconds) => seconds > 0 ? TimeSpan.FromSeconds(seconds) : DefaultRolloutTimeout;

    /// <summary>The manifests of <paramref name="spec"/> for <paramref name="record"/> (null: a new environment, placed nowhere yet).</summary>
    private static EnvironmentManifests Build(EnvironmentSpec spec, EnvironmentRecord? record, ClusterConfig config)
    {
        var cluster = config.Clusters.FirstOrDefault(c => c.Name == record?.Cluster);
        var agent = config.AgentFor(record?.Cluster);
        var options = new ManifestOptions
        {
            Owner = EnvironmentPlacement.Owner(config),
            // A prebuilt agent image (config.yaml) wins; else the spec's own base image, else config.yaml's.
            SidecarImage = agent.Image ?? spec.AgentBaseImage ?? agent.SidecarImage,
            SidecarCommand = agent.SidecarCommand,
            Placement = cluster?.Placement ?? Placement.Anywhere,
            RestartTokens = record?.RestartTokens ?? new Dictionary<string, string>(StringComparer.Ordinal),
            Namespace = record?.Namespace,
            Debugging = record?.Debugging ?? new Dictionary<string, Yak.Environments.Debug.DebugChoice>(StringComparer.Ordinal),
            Images = ImageUpdates.ForManifests(record?.Images, spec),
            ServicePlacements = VolumePlacements(record, spec, cluster?.Placement ?? Placement.Anywhere),
        };
        if (config.SidecarCommand is { Count: > 0 } sidecar)
        {
            options = options with { SidecarCommand = sidecar };
        }

        return ManifestBuilder.Build(spec, options);
    }

    private async Task<EnvironmentRuntime> RuntimeForAsync(EnvironmentRecord record, EnvironmentSpec spec, EnvironmentManifests manifests, KubeConnection? connection)
    {
        // Every environment of a cluster uses the daemon's one connection to it (its request budget, its shared
        // informers, which forwards and sync use too): the one placement opened is not kept.
        connection?.Dispose();
        var runtime = GetRuntime(record.Name);
        if (runtime is not null && runtime.Matches(record))
        {
            return runtime;
        }

        if (runtime is not null)
        {
            await runtime.DisposeAsync();
        }

        return OpenRuntime(record, spec, manifests);
    }

    private EnvironmentRuntime OpenRuntime(EnvironmentRecord record, EnvironmentSpec? spec, EnvironmentManifests? manifests = null)
    {
        KubeConnection connection;
        try
        {
            connection = kube.Get(record.Kubeconfig, record.Context);
        }
        catch (KubeConnectionException ex)
        {
            throw new OperationFailedException(ex.Message, ex, YakErrors.ClusterUnreachable);
        }

        var runtime = new EnvironmentRuntime(record.Name, record.Kubeconfig, record.Context, connection)
        {
            Spec = spec,
            Manifests = manifests ?? (spec is null ? null : Build(spec, record, configuration.Current)),
        };

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

    private EnvironmentRecord Resolve(string name, string specPath)
    {
        if (name.Length == 0 && specPath.Length > 0)
        {
            var file = Directory.Exists(specPath) ? EnvironmentSpecLoader.FindSpecFile(specPath) : specPath;
            var bySpec = registry.All().FirstOrDefault(r => file is not null && SamePath(r.SpecPath, file));
            if (bySpec is not null)
            {
                return bySpec;
            }

            name = LoadSpec(specPath, profiles: null).Spec.Name;
        }

        return registry.Find(name) ?? throw new NotFoundException($"No environment named '{name}' (see 'yakctl status'; 'yakctl up' creates it).");
    }

    private static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    /// <summary>The spec, with only the services <paramref name="profiles"/> run (null: every service, for its name only).</summary>
    private static (EnvironmentSpec Spec, IReadOnlyList<string> Warnings) LoadSpec(string path, IReadOnlyCollection<string>? profiles)
    {
        if (path.Length == 0 || !Path.IsPathRooted(path))
        {
            throw new InvalidArgumentException($"Give the spec as an absolute path (got '{path}').");
        }

        var result = EnvironmentSpecLoader.Load(path);
        if (!result.Success)
        {
            throw new InvalidArgumentException(string.Join("\n", result.Errors.Select(e => e.ToString())), YakErrors.SpecInvalid);
        }

        IReadOnlyList<string> problems = [];
        var spec = profiles is null ? result.Spec! : ProfileSelection.Select(result.Spec!, profiles, out problems);
        if (problems.Count > 0)
        {
            throw new InvalidArgumentException(string.Join("\n", problems), YakErrors.SpecInvalid);
        }

        return (spec, [.. result.Warnings.Select(w => w.ToString())]);
    }

    private static (EnvironmentSpec? Spec, string? Error) LoadSpecOrError(string path, IReadOnlyCollection<string> profiles)
    {
        var result = EnvironmentSpecLoader.Load(path);
        if (!result.Success)
        {
            return (null, string.Join("\n", result.Errors.Select(e => e.ToString())));
        }

        var spec = ProfileSelection.Select(result.Spec!, profiles, out var problems);
        return problems.Count == 0 ? (spec, null) : (null, string.Join("\n", problems));
    }

    /// <summary>An environment yakd could not take up at start: kept listed in error with the reason, logged and announced.</summary>
    private void NotResumed(EnvironmentRecord record, string reason, YakError code)
    {
        EnvironmentLog.Warning(logger, record.Name, $"not resumed: {reason}");
        if (record.State != EnvironmentState.Down)
        {
            registry.Update(record.Name, r => r with { State = EnvironmentState.Error, LastError = reason, LastErrorCode = code.Code, UpdatedAt = time.GetUtcNow() });
        }

        hub.Publish(EventKinds.EnvNotResumed, record.Name, new NotResumedInfo { Name = record.Name, Message = reason });
    }
}
