using System.Collections.Concurrent;
using k8s.Models;
using Yak.LocalCluster.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Runtime;

/// <summary>A node on a temp state folder with a fast restart back-off, and waits on published pod statuses.</summary>
public sealed class RuntimeHarness : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, V1PodStatus> latest = new(StringComparer.Ordinal);
    private readonly List<(string Name, Func<V1PodStatus, bool> Predicate, TaskCompletionSource<V1PodStatus> Done)> waiters = [];
    private readonly TempDirectory state = new("yak-node-");

    public RuntimeHarness(Action<PodRuntimeOptions>? configure = null)
    {
        var options = new PodRuntimeOptions(state.Path)
        {
            RestartBackoffBase = TimeSpan.FromMilliseconds(50),
            RestartBackoffMax = TimeSpan.FromMilliseconds(400),
        };
        configure?.Invoke(options);
        Options = options;
        Runtime = new ProcessPodRuntime(options);
        Runtime.StatusChanged += OnStatus;
    }

    public ProcessPodRuntime Runtime { get; }

    public PodRuntimeOptions Options { get; }

    public string StateDirectory => state.Path;

    public async Task<V1Pod> RunAsync(V1Pod pod)
    {
        await Runtime.RunPodAsync(pod, CancellationToken.None).DefaultTimeout();
        return pod;
    }

    /// <summary>Completes with the first published status of pod <paramref name="name"/> that satisfies the predicate.</summary>
    public Task<V1PodStatus> WaitForAsync(string name, Func<V1PodStatus, bool> predicate)
    {
        var done = new TaskCompletionSource<V1PodStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (waiters)
        {
            if (latest.TryGetValue(name, out var current) && predicate(current))
            {
                done.TrySetResult(current);
            }
            else
            {
                waiters.Add((name, predicate, done));
            }
        }

        return done.Task.DefaultTimeout();
    }

    public Task<V1PodStatus> WaitReadyAsync(string name) =>
        WaitForAsync(name, s => s.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        state.Dispose();
    }

    private void OnStatus(PodStatusUpdate update)
    {
        lock (waiters)
        {
            latest[update.Name] = update.Status;
            foreach (var waiter in waiters.ToList())
            {
                if (waiter.Name == update.Name && waiter.Predicate(update.Status))
                {
                    waiters.Remove(waiter);
                    waiter.Done.TrySetResult(update.Status);
                }
            }
        }
    }
}

/// <summary>Pod objects for tests.</summary>
public static class TestPods
{
    public static V1Pod Pod(string name, params V1Container[] containers) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = Guid.NewGuid().ToString() },
        Spec = new V1PodSpec { Containers = containers, RestartPolicy = "Always" },
    };

    public static V1Container Shell(string name, string script, string image = "busybox") => new()
    {
        Name = name,
        Image = image,
        Command = ["sh", "-c", script],
    };
}
