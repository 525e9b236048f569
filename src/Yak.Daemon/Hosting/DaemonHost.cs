using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yak.Daemon.Configuration;
using Yak.Daemon.Environments;
using Yak.Daemon.Events;
using Yak.Daemon.Forwards;
using Yak.Daemon.Ipc;
using Yak.Daemon.Kube;
using Yak.Daemon.Rpc;
using Yak.Daemon.Sync;
using Yak.Daemon.Telemetry;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Hosting;

/// <summary>Builds yakd's host: one <c>ConfigureX</c> per feature, in the order they depend on each other.</summary>
internal static class DaemonHost
{
    public static IHost Build(DaemonEndpoint endpoint, Serilog.ILogger serilog, Task logOpened, string[] args)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSystemd();
        builder.Services.AddSerilog(serilog, dispose: false);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(endpoint);
        builder.Services.AddSingleton<DaemonInfo>();

        // Hosted services start in this order. The RPC server first: it listens and builds a client's connection beside
        // the rest of the start; requests wait until the services after it have started (StartupGate), so the session
        // managers resume right after it and an answer still means they did (environments: listed; their resume runs
        // beside the first answers and the environment calls wait for it).
        ConfigureRpc(builder.Services, endpoint, logOpened);
        ConfigureEvents(builder.Services);
        ConfigureConfiguration(builder.Services);
        ConfigureTelemetry(builder.Services, endpoint);
        ConfigureKube(builder.Services);
        ConfigureSync(builder.Services);

        // Forwards before environments: environments use the real forward hook, not their no-op default.
        ConfigureForwards(builder.Services);
        ConfigureEnvironments(builder.Services);
        ConfigureStreams(builder.Services);
        return builder.Build();
    }

    private static void ConfigureEvents(IServiceCollection services)
    {
        services.AddSingleton<EventHub>();
        StartupTrace.AddHostedService(services, sp => ActivatorUtilities.CreateInstance<IdleMemoryTrim>(sp));
    }

    /// <summary>config.yaml as options: read at first use and on change, validated at start and on every reload.</summary>
    private static void ConfigureConfiguration(IServiceCollection services) => services.AddDaemonConfiguration();

    /// <summary>
    /// Waits are recorded from yakd's ActivitySource into the state folder; OTLP export only when config.yaml's
    /// telemetry.otlp says where (read once at start: a config that does not load exports nothing).
    /// </summary>
    private static void ConfigureTelemetry(IServiceCollection services, DaemonEndpoint endpoint)
    {
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<WaitStore>(sp, endpoint.StateDirectory));
        services.AddSingleton<WaitRecorder>();
        ClusterConfig? config = null;
        try
        {
            config = ConfigFileReader.Read(new ConfigFilePath(endpoint).Path);
        }
        catch (InvalidOperationException)
        {
        }

        var otlp = config?.Telemetry?.Otlp;
        StartupTrace.AddHostedService(services, sp => new TelemetryStartup(sp.GetRequiredService<WaitRecorder>(), otlp, sp.GetRequiredService<ILogger<TelemetryStartup>>()));
        if (otlp is not null)
        {
            TelemetryExport.Configure(services, otlp, config?.Owner);
        }
    }

    private static void ConfigureKube(IServiceCollection services) => services.AddSingleton<WakeDetector>().AddSingleton<KubeConnections>();

    private static void ConfigureStreams(IServiceCollection services) => services.AddSingleton<Yak.Daemon.Streams.StreamBroker>();

    private static void ConfigureForwards(IServiceCollection services)
    {
        services.AddSingleton<ForwardManager>();
        services.AddSingleton<ISessionCountSource>(sp => sp.GetRequiredService<ForwardManager>());
        StartupTrace.AddHostedService(services, sp => sp.GetRequiredService<ForwardManager>());
        services.AddSingleton<IEnvironmentForwards, EnvironmentForwards>();
    }

    private static void ConfigureSync(IServiceCollection services)
    {
        services.AddSingleton(_ => Yak.Daemon.Sync.Agent.AgentBuilds.FromEnvironment());
        services.AddSingleton<IPodAgentConnectorFactory, PodAgentConnectorFactory>();
        services.AddSingleton<IAgentConnectorFactory, AgentConnectorFactory>();
        services.AddSingleton<SyncSessionManager>();
        services.AddSingleton<ISessionCountSource>(sp => sp.GetRequiredService<SyncSessionManager>());
        services.AddSingleton<IIdleMemoryHolder>(sp => sp.GetRequiredService<SyncSessionManager>());
        StartupTrace.AddHostedService(services, sp => sp.GetRequiredService<SyncSessionManager>());
    }

    private static void ConfigureRpc(IServiceCollection services, DaemonEndpoint endpoint, Task logOpened)
    {
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton(sp => new StartupGate(sp.GetRequiredService<IHostApplicationLifetime>(), logOpened));
        services.AddSingleton<Func<IConnectionListener>>(sp => () => CreateListener(endpoint, sp.GetRequiredService<ILogger<RpcServer>>()));
        services.AddSingleton<RpcServer>();
        StartupTrace.AddHostedService(services, sp => sp.GetRequiredService<RpcServer>());
    }

    private static IConnectionListener CreateListener(DaemonEndpoint endpoint, Microsoft.Extensions.Logging.ILogger logger) =>
        OperatingSystem.IsWindows()
            ? new NamedPipeListener(endpoint.SocketPath)
            : UnixSocketListener.Create(endpoint, logger);

    private static void ConfigureEnvironments(IServiceCollection services)
    {
        services.TryAddSingleton<IEnvironmentForwards, NoEnvironmentForwards>();
        services.AddSingleton<EnvironmentRegistry>();
        services.AddSingleton<EnvironmentPlacement>();
        services.AddSingleton<EnvironmentManager>();
        services.AddSingleton<Yak.Daemon.Sharing.GuestRegistry>();
        services.AddSingleton<Yak.Daemon.Sharing.ShareManager>();
        services.AddSingleton<Yak.Daemon.Sharing.GuestConnector>();
        services.AddSingleton<ISessionCountSource>(sp => sp.GetRequiredService<EnvironmentManager>());
        StartupTrace.AddHostedService(services, sp => sp.GetRequiredService<EnvironmentManager>());
        services.AddSingleton<Yak.Daemon.Rpc.VersionReport>();
        services.AddSingleton<Yak.Daemon.Diagnostics.Doctor>();
    }
}
