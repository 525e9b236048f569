using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Yak.Kube;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Scheduling;
using Yak.LocalCluster.Storage;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Support;

/// <summary>An in-process local cluster on 127.0.0.1 (free port) with a fake pod runtime, its state in a temp folder.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly TempDirectory? _ownedState;

    private TestCluster(LocalClusterHost host, FakePodRuntime runtime, TempDirectory? ownedState)
    {
        Host = host;
        Runtime = runtime;
        _ownedState = ownedState;
        Http = host.Access.CreateHttpClient(timeout: TimeSpan.FromSeconds(30));
        Client = new KubeClient(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath));
    }

    public LocalClusterHost Host { get; }

    public FakePodRuntime Runtime { get; }

    public HttpClient Http { get; }

    public KubeClient Client { get; }

    public static async Task<TestCluster> StartAsync(
        string? stateDirectory = null, FakePodRuntime? runtime = null, int watchHistory = 2000, TimeSpan? bookmarkInterval = null,
        Func<IServiceProvider, IPodRuntime>? runtimeFactory = null, bool processRuntime = false,
        IReadOnlyList<NodeOptions>? nodes = null, int watchQueue = 4096, int maxWatchesPerUser = 256, TimeProvider? time = null)
    {
        var owned = stateDirectory is null ? new TempDirectory("yak-lc-") : null;
        runtime ??= new FakePodRuntime();
        var host = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = stateDirectory ?? owned!.Path,
            RuntimeFactory = processRuntime ? null : runtimeFactory ?? (_ => runtime),
            WatchHistoryCapacity = watchHistory,
            WatchQueueCapacity = watchQueue,
            MaxWatchesPerUser = maxWatchesPerUser,
            Nodes = nodes ?? [NodeOptions.Default],
            BookmarkInterval = bookmarkInterval ?? TimeSpan.FromSeconds(10),
            Time = time ?? TimeProvider.System,
        }).DefaultTimeout();
        return new TestCluster(host, runtime, owned);
    }

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, object? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            var text = body as string ?? (body is JsonNode node ? node.ToJsonString() : System.Text.Json.JsonSerializer.Serialize(body));
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await Http.SendAsync(request).DefaultTimeout();
        var content = await response.Content.ReadAsStringAsync().DefaultTimeout();
        return ((int)response.StatusCode, content.Length == 0 ? null : JsonNode.Parse(content));
    }

    /// <summary>
    /// Re-evaluates <paramref name="probe"/> after every change in the store until <paramref name="condition"/> holds
    /// (controllers are asynchronous); fails after the default timeout with the last value seen.
    /// </summary>
    public async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what)
    {
        var store = Host.Services.GetRequiredService<ObjectStore>();
        using var subscription = store.Subscribe(null, internalUse: true);
        using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        T last = default!;
        try
        {
            while (true)
            {
                last = await probe();
                if (condition(last))
                {
                    return last;
                }

                if (!await subscription.Reader.WaitToReadAsync(timeout.Token))
                {
                    throw new InvalidOperationException("the store subscription ended");
                }

                while (subscription.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"timed out waiting for {what}; last value: {System.Text.Json.JsonSerializer.Serialize(last)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Host.DisposeAsync();
        _ownedState?.Dispose();
    }
}
