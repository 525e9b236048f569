using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Scheduling;

namespace Yak.LocalCluster.Hosting;

/// <summary>How to start a local cluster.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>Folder for objects, pods, volumes and logs; created when missing. A restart on the same folder keeps the objects.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Where to write the kubeconfig (context <c>yak-local</c>); default <c>{StateDirectory}/kubeconfig</c>.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>Replaces the pod runtime (tests use a fake); default: the process runtime when available.</summary>
    public Func<IServiceProvider, IPodRuntime>? RuntimeFactory { get; init; }

    /// <summary>Tunes the process runtime (e.g. a short restart back-off in tests); ignored with <see cref="RuntimeFactory"/>.</summary>
    public Action<PodRuntimeOptions>? ConfigureRuntime { get; init; }

    /// <summary>How often watches with allowWatchBookmarks get a bookmark.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many changes the store remembers for watches; older resourceVersions get 410 Gone.</summary>
    public int WatchHistoryCapacity { get; init; } = 2000;

    /// <summary>The Node objects reported (zones, labels, taints); all run their pods on this machine.</summary>
    public IReadOnlyList<NodeOptions> Nodes { get; init; } = [NodeOptions.Default];

    /// <summary>How many undelivered events one watch may queue before it is closed with 410 (at least the history).</summary>
    public int WatchQueueCapacity { get; init; } = 4096;

    /// <summary>Concurrent watches one user may hold (more are answered 429).</summary>
    public int MaxWatchesPerUser { get; init; } = 256;

    /// <summary>Concurrent exec/attach/port-forward/log streams one user may hold (more are answered 429).</summary>
    public int MaxStreamsPerUser { get; init; } = 128;

    /// <summary>The clock the controllers schedule by (CronJob due times, Job deadlines); tests pass a fake one to move time.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Extra service registrations (tests).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Write server logs to the console (the executable does; tests usually do not).</summary>
    public bool ConsoleLogging { get; init; }
}
