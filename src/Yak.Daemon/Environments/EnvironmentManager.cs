using System.Globalization;
using k8s.Autorest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Yak.Daemon.Configuration;
using Yak.Daemon.Events;
using Yak.Daemon.Rpc;
using Yak.Daemon.Sync;
using Yak.Environments.Manifests;
using Yak.Kube;
using Yak.Kube.Environments;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Environments;

/// <summary>
/// Owns every environment: deploys specs (server-side apply), watches rollouts and reports them as
/// <c>environment</c> events, keeps one sync session per mapping pointed at the service's current pod (releasing
/// initial-sync apps once their first sync is flushed), persists what it placed where and reconnects at start.
/// </summary>
internal sealed partial class EnvironmentManager(
    DaemonEndpoint endpoint,
    DaemonConfiguration configuration,
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

        var config = configuration.Current;
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
        var info = await DeployAsync(runtime, record with { RestartTokens = tokens }, configuration.Current, timeout, cancellationToken);
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

    private static LocalRpcException Invalid(string message) => new(message) { ErrorCode = ErrorCodes.InvalidArgument };

    private static LocalRpcException Failed(string message) => new(message);
}
