using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yak.Daemon.Rpc;
using Yak.Daemon.Telemetry;
using Yak.Environments.Debug;
using Yak.Environments.Spec;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Environments;

/// <summary>
/// <c>env/debug</c>: a service under one of its debug profiles is a change of what is wanted (the record's
/// <see cref="EnvironmentRecord.Debugging"/>), applied and kept by the supervisor like an update, so it survives a
/// restart of yakd and every later up; the debugger's port is one more forwarded port of the service.
/// </summary>
internal sealed partial class EnvironmentManager
{
    public async Task<EnvDebugResponse> DebugAsync(EnvDebugRequest request, CancellationToken cancellationToken)
    {
        await WhenResumedAsync(cancellationToken);
        var started = time.GetUtcNow();
        var record = Resolve(request.Name, request.SpecPath);
        using var wait = EnvironmentWait.Begin(hub, time, WaitKinds.Update, record.Name, started);
        var (spec, _) = LoadSpec(record.SpecPath, record.Profiles);
        var service = spec[request.Service]
            ?? throw new NotFoundException($"No service named '{request.Service}' in {record.SpecPath} (services: {string.Join(", ", spec.Services.Select(s => s.Name))}).");
        if (record.State == EnvironmentState.Down)
        {
            throw new InvalidArgumentException($"Environment '{record.Name}' is down; 'yakctl up' first, then 'yakctl debug {service.Name}'.");
        }

        var debugging = new Dictionary<string, DebugChoice>(record.Debugging, StringComparer.Ordinal);
        DebugProfile? profile = null;
        var localPort = 0;
        if (request.Stop)
        {
            debugging.Remove(service.Name);
        }
        else
        {
            profile = PickProfile(spec, service, request.Profile);
            localPort = DebugLocalPort(record, service, profile);
            debugging[service.Name] = new DebugChoice(profile.Name, localPort);
        }

        record = record with { Debugging = debugging };
        var manifests = Build(spec, record, configuration.Current);
        var runtime = await RuntimeForAsync(record, spec, manifests, connection: null);
        long ticket;
        EnvironmentSupervisor supervisor;
        await using (await runtime.LockAsync(cancellationToken))
        {
            runtime.Spec = spec;
            runtime.Manifests = manifests;
            registry.Put(record with { State = EnvironmentState.Deploying, PendingApply = true, LastError = null, LastErrorCode = null, UpdatedAt = time.GetUtcNow() });
            supervisor = runtime.Supervise(services, stopping.Token);
            ticket = supervisor.Wake();
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout(request.TimeoutSeconds));
        var info = await TimedWatchAsync(wait, runtime, supervisor, ticket, Timeout(request.TimeoutSeconds), cancellationToken);
        if (profile is null)
        {
            return new EnvDebugResponse { Environment = info, Service = service.Name, Profile = null, Runtime = null, LocalPort = null, ContainerPort = null, Attach = null };
        }

        if (info.State == EnvironmentState.Up)
        {
            try
            {
                var location = LocateService(record.Name, service.Name);
                var target = new DebugProbe.Target(runtime.Connection, record.Namespace, location.Selector, location.AppContainer, profile.Port);
                await DebugProbe.WaitAsync(profile.Runtime, localPort, target, time, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OperationFailedException(
                    $"{service.Name} runs under its {DebugProfile.RuntimeName(profile.Runtime)} debugger (profile '{profile.Name}'), but nothing answers on localhost:{localPort} (port {profile.Port} in the container).",
                    error: YakErrors.DebuggerNotAnswering,
                    fix: $"'yakctl logs {service.Name}' shows why the debugger did not start; 'yakctl debug {service.Name} --stop' runs it as declared again.");
            }
        }

        return new EnvDebugResponse
        {
            Environment = info,
            Service = service.Name,
            Profile = profile.Name,
            Runtime = DebugProfile.RuntimeName(profile.Runtime),
            LocalPort = localPort,
            ContainerPort = profile.Port,
            Attach = JsonSerializer.SerializeToElement(AttachConfiguration.Build(record.Name, service, profile, localPort), YakJson.Options.Info<JsonObject>()),
        };
    }

    private static DebugProfile PickProfile(EnvironmentSpec spec, ServiceSpec service, string name)
    {
        if (service.Debug.Count == 0)
        {
            throw new InvalidArgumentException(
                $"Service '{service.Name}' has no debug profile in {spec.SourceFile}.",
                YakErrors.NoDebugProfile,
                $"add one under services.{service.Name}, e.g. 'debug: node' (or python, dotnet, go; docs/yak-yaml.md, section debug).");
        }

        return name.Length == 0
            ? service.Debug[0]
            : service.Debug.FirstOrDefault(p => p.Name == name) ?? throw new InvalidArgumentException(
                $"Service '{service.Name}' has no debug profile '{name}' (profiles: {string.Join(", ", service.Debug.Select(p => p.Name))}).",
                YakErrors.NoDebugProfile,
                $"pick one of its profiles with --profile, or add '{name}' under services.{service.Name}.debug in {spec.SourceFile}.");
    }

    /// <summary>
    /// The profile's <c>local</c> port, which must be free (as a declared port must); without one the debugger's own
    /// port, else — taken by another program or forward — a free port, which the answer reports.
    /// </summary>
    private int DebugLocalPort(EnvironmentRecord record, ServiceSpec service, DebugProfile profile)
    {
        var current = record.Debugging.GetValueOrDefault(service.Name);
        var wanted = profile.LocalPort ?? (current?.Profile == profile.Name ? current.LocalPort : profile.Port);
        var holder = forwards.OnPort(wanted);
        var ours = holder is not null && holder.Environment == record.Name && current?.LocalPort == wanted;
        if (ours || (holder is null && LocalPorts.IsFree(wanted)))
        {
            return wanted;
        }

        if (profile.LocalPort is { } required)
        {
            var who = holder is not null ? $"the forward '{holder.Name}'" : Yak.Forwarding.PortHolder.Find(required) ?? "another process";
            throw new InvalidArgumentException(
                $"Local port {required} of {service.Name}'s debug profile '{profile.Name}' is taken by {who}.",
                YakErrors.LocalPortBusy,
                $"stop it, or change (or remove) 'local' of the profile in {record.SpecPath}.");
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
