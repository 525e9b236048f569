using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Auth;
using Yak.LocalCluster.Discovery;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Storage;
using Yak.LocalCluster.Streams;
using Yak.LocalCluster.Watch;

namespace Yak.LocalCluster.Hosting;

/// <summary>
/// A running local cluster: the API server on 127.0.0.1, its store in the state folder, controllers and the pod runtime.
/// The one place where the pieces are composed; usable in-process (tests) and by the <c>yak-local-cluster</c> executable.
/// </summary>
public sealed class LocalClusterHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalClusterHost(WebApplication app, ClusterAccess access, string kubeconfigPath, string stateDirectory)
    {
        _app = app;
        Access = access;
        KubeconfigPath = kubeconfigPath;
        StateDirectory = stateDirectory;
    }

    /// <summary>The API server's base URL, e.g. <c>https://127.0.0.1:41234</c>.</summary>
    public Uri Server => Access.Server;

    /// <summary>The address, CA and users: for kubeconfigs of other users and in-process HTTP clients.</summary>
    public ClusterAccess Access { get; }

    /// <summary>The kubeconfig written for this server (context <c>yak-local</c>, current).</summary>
    public string KubeconfigPath { get; }

    public string StateDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LocalClusterHost> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken = default)
    {
        var state = PrivateFiles.EnsureFolder(options.StateDirectory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = state, Args = [] });
        builder.Logging.ClearProviders();
        if (options.ConsoleLogging)
        {
            // Logs go to stderr: stdout carries only the one JSON line announcing the server.
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        var tls = ClusterCertificates.LoadOrCreate(state);
        var tokens = TokenFile.OpenOrCreate(ClusterAccess.TokenPath(state));
        var link = new Faults.LinkShaper(TimeProvider.System);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                kestrel.Limits.MaxRequestBodySize = HttpJson.MaxBodyBytes;
                // Outermost, below TLS: a link profile shapes every byte of every connection.
                listen.Use(link.Wrap);
                listen.UseHttps(tls.ServerCertificate);
            });
        });

        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(link);
        builder.Services.AddSingleton(new Faults.RequestThrottle(TimeProvider.System));
        ConfigureServices(builder.Services, options, state);
        var app = builder.Build();
        app.UseMiddleware<RequestGuard>();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseMiddleware<Faults.FaultMiddleware>();
        app.UseMiddleware<Faults.ThrottleMiddleware>();
        app.MapDiscovery();
        app.MapOpenApi();
        app.MapAccessReviews();
        app.MapTokens();
        app.MapResources();
        Faults.FaultEndpoints.MapFaults(app);
        app.MapPodStreams();
        Bootstrap(app.Services.GetRequiredService<ClusterApi>());
        RbacBootstrap.Ensure(app.Services.GetRequiredService<ClusterApi>());

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        var kubeconfig = Path.GetFullPath(options.KubeconfigPath ?? Path.Combine(state, "kubeconfig"));
        var access = new ClusterAccess(server, tls.CaPem, tokens);
        PrivateFiles.WriteAtomic(Path.Combine(state, ClusterAccess.ServerFileName), server.GetLeftPart(UriPartial.Authority) + "\n");
        Kubeconfig.Write(kubeconfig, server, tls.CaPem, tokens.OwnerToken);
        return new LocalClusterHost(app, access, kubeconfig, state);
    }

    private static void ConfigureServices(IServiceCollection services, LocalClusterOptions options, string state)
    {
        services.AddSingleton(new ObjectFiles(state));
        services.AddSingleton(sp => new ObjectStore(sp.GetRequiredService<ObjectFiles>(), options.WatchHistoryCapacity, options.WatchQueueCapacity));
        services.AddSingleton(new ClientLimits(options.MaxWatchesPerUser, options.MaxStreamsPerUser));
        services.AddSingleton<ClusterApi>();
        services.AddSingleton<RbacAuthorizer>();
        services.AddSingleton(sp => new ServiceAccountTokens(state, sp.GetRequiredService<ObjectStore>(), options.Time));
        services.AddSingleton<IPodLookup, StorePodLookup>();
        services.AddSingleton(new WatchSettings { BookmarkInterval = options.BookmarkInterval });
        services.AddSingleton<Faults.FaultInjector>();
        services.AddSingleton<Networking.ServiceDirectory>();
        if (options.RuntimeFactory is { } factory)
        {
            services.AddSingleton(factory);
        }
        else
        {
            services.AddSingleton<Runtime.Images.IImagePullSecrets, Controllers.StoreImagePullSecrets>();
            services.AddPodRuntime(state, runtime => options.ConfigureRuntime?.Invoke(runtime));
        }

        foreach (var node in options.Nodes)
        {
            services.AddSingleton(node);
        }

        services.AddSingleton(new Controllers.ControllerTime(options.Time));
        services.AddSingleton<Controllers.ControllerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<Controllers.ControllerManager>());
        options.ConfigureServices?.Invoke(services);
    }


    /// <summary>The namespaces every cluster has, each with its default service account.</summary>
    private static void Bootstrap(ClusterApi api)
    {
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            if (api.TryGet(ResourceCatalog.Namespaces, "", ns) is null)
            {
                api.Create(ResourceCatalog.Namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, WriteOptions.Internal);
            }
        }
    }

    /// <summary>Waits until the host stops (SIGTERM, Ctrl+C, or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
