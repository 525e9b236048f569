using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Streams;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>
/// The node's stream endpoints on a loopback port with just enough API for kubectl (discovery and GET pod): the
/// node can be tested without the API server. Pods are handed to the runtime directly; their published status is
/// kept so that kubectl sees the phase.
/// </summary>
public sealed class StreamTestHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TestPodLookup lookup;
    private readonly TempDirectory state;

    private StreamTestHost(WebApplication app, TestPodLookup lookup, TempDirectory state, Uri server)
    {
        this.app = app;
        this.lookup = lookup;
        this.state = state;
        Server = server;
        Runtime = app.Services.GetRequiredService<ProcessPodRuntime>();
        Status = new StatusTracker(Runtime);
        Client = new Kubernetes(new KubernetesClientConfiguration { Host = server.ToString() });
    }

    public Uri Server { get; }

    public ProcessPodRuntime Runtime { get; }

    public StatusTracker Status { get; }

    public Kubernetes Client { get; }

    public string StateDirectory => state.Path;

    public static async Task<StreamTestHost> StartAsync(Action<PodRuntimeOptions>? configure = null)
    {
        var state = new TempDirectory("yak-streams-");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var lookup = new TestPodLookup();
        builder.Services.AddSingleton<IPodLookup>(lookup);
        builder.Services.AddPodRuntime(state.Path, o =>
        {
            o.RestartBackoffBase = TimeSpan.FromMilliseconds(50);
            o.RestartBackoffMax = TimeSpan.FromMilliseconds(400);
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.MapPodStreams();
        MapMinimalApi(app, lookup);
        await app.StartAsync().DefaultTimeout();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var host = new StreamTestHost(app, lookup, state, new Uri(address));
        host.Runtime.StatusChanged += update => lookup.SetStatus(update.Namespace, update.Name, update.Status);
        return host;
    }

    /// <summary>Runs the pod and waits until it is Ready.</summary>
    public async Task<V1Pod> RunReadyAsync(V1Pod pod)
    {
        await RunAsync(pod);
        await Status.WaitReadyAsync(pod.Metadata.Name);
        return pod;
    }

    public async Task RunAsync(V1Pod pod)
    {
        lookup.Add(pod);
        await Runtime.RunPodAsync(pod, CancellationToken.None).DefaultTimeout();
    }

    /// <summary>A kubeconfig for kubectl with context yak-local pointing at this host.</summary>
    public string WriteKubeconfig()
    {
        var path = Path.Combine(state.Path, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: yak-local
              cluster:
                server: {Server.ToString().TrimEnd('/')}
            users:
            - name: yak-local
              user: {"{}"}
            contexts:
            - name: yak-local
              context:
                cluster: yak-local
                user: yak-local
                namespace: default
            current-context: yak-local
            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Runtime.DisposeAsync();
        await app.StopAsync().DefaultTimeout();
        await app.DisposeAsync();
        state.Dispose();
    }

    private static void MapMinimalApi(WebApplication app, TestPodLookup lookup)
    {
        app.MapGet("/api", () => Results.Json(new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() }));
        app.MapGet("/apis", () => Results.Json(new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = new JsonArray() }));
        app.MapGet("/api/v1", () => Results.Json(new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = "v1",
            ["resources"] = new JsonArray(
                Resource("pods", "pod", "Pod", ["get", "list"]),
                Resource("pods/exec", string.Empty, "PodExecOptions", ["create", "get"]),
                Resource("pods/attach", string.Empty, "PodAttachOptions", ["create", "get"]),
                Resource("pods/portforward", string.Empty, "PodPortForwardOptions", ["create", "get"]),
                Resource("pods/log", string.Empty, "Pod", ["get"])),
        }));
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", (string ns, string name) =>
            lookup.GetPod(ns, name) is { } pod
                ? Results.Text(KubernetesJson.Serialize(pod), "application/json")
                : Results.Json(new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404, ["message"] = $"pods \"{name}\" not found" }, statusCode: 404));
    }

    private static JsonObject Resource(string name, string singular, string kind, string[] verbs) => new()
    {
        ["name"] = name,
        ["singularName"] = singular,
        ["namespaced"] = true,
        ["kind"] = kind,
        ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
    };

    private sealed class TestPodLookup : IPodLookup
    {
        private readonly ConcurrentDictionary<(string, string), V1Pod> pods = new();

        public void Add(V1Pod pod) => pods[(pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name)] = pod;

        public void SetStatus(string ns, string name, V1PodStatus status)
        {
            if (pods.TryGetValue((ns, name), out var pod))
            {
                pod.Status = status;
            }
        }

        public V1Pod? GetPod(string ns, string name) => pods.TryGetValue((ns, name), out var pod) ? pod : null;
    }
}

/// <summary>Waits on the statuses a runtime publishes.</summary>
public sealed class StatusTracker
{
    private readonly ConcurrentDictionary<string, V1PodStatus> latest = new(StringComparer.Ordinal);
    private readonly List<(string Name, Func<V1PodStatus, bool> Predicate, TaskCompletionSource<V1PodStatus> Done)> waiters = [];

    public StatusTracker(IPodRuntime runtime)
    {
        runtime.StatusChanged += update =>
        {
            lock (waiters)
            {
                latest[update.Name] = update.Status;
                foreach (var waiter in waiters.Where(w => w.Name == update.Name && w.Predicate(update.Status)).ToList())
                {
                    waiters.Remove(waiter);
                    waiter.Done.TrySetResult(update.Status);
                }
            }
        };
    }

    public Task<V1PodStatus> WaitForAsync(string name, Func<V1PodStatus, bool> predicate)
    {
        var done = new TaskCompletionSource<V1PodStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (waiters)
        {
            if (latest.TryGetValue(name, out var current) && predicate(current))
            {
                return Task.FromResult(current);
            }

            waiters.Add((name, predicate, done));
        }

        return done.Task.DefaultTimeout();
    }

    public Task<V1PodStatus> WaitReadyAsync(string name) =>
        WaitForAsync(name, s => s.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
}
