using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Yak.Kube.Pods;
using Yak.Kube.Watching;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Runtime;
using Yak.Testing;

namespace Yak.Forwarding.Tests.Support;

/// <summary>
/// An in-process local cluster (real process runtime: each pod in its own network namespace, so a forward is the
/// only way in), a client for it, and helpers to create echo pods/deployments and inject faults.
/// </summary>
internal sealed class ForwardTestCluster : IAsyncDisposable
{
    public const string Namespace = "default";

    private readonly TempDirectory state;

    private ForwardTestCluster(TempDirectory state, LocalClusterHost host)
    {
        this.state = state;
        Host = host;
        Client = new Yak.Kube.KubeClient(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath)).WithStreamKeepAlive();
        Admin = host.Access.CreateHttpClient(timeout: TaskTimeoutExtensions.DefaultTimeoutSpan);
    }

    public LocalClusterHost Host { get; }

    public Kubernetes Client { get; }

    public HttpClient Admin { get; }

    /// <summary>Open exec/attach/port-forward/log streams on the node.</summary>
    public int OpenStreams => Host.Services.GetRequiredService<ProcessPodRuntime>().Streams.Count;

    public static async Task<ForwardTestCluster> StartAsync()
    {
        var state = new TempDirectory("yak-fwd-");
        var host = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = state.Path,
            ConfigureRuntime = o =>
            {
                o.RestartBackoffBase = TimeSpan.FromMilliseconds(50);
                o.RestartBackoffMax = TimeSpan.FromMilliseconds(400);
            },
        }).DefaultTimeout();
        return new ForwardTestCluster(state, host);
    }

    public static V1PodSpec EchoSpec() => new()
    {
        TerminationGracePeriodSeconds = 1,
        Containers =
        [
            new V1Container
            {
                Name = "echo",
                Image = "python:3.12",
                Command = ["python3", "-u", "-c", EchoServer.Script],
                Ports = [new V1ContainerPort { ContainerPort = EchoServer.Port, Name = "echo" }],
                ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = EchoServer.Port }, PeriodSeconds = 1 },
            },
        ],
    };

    /// <summary>Creates a pod from <paramref name="spec"/> and waits until it is Ready.</summary>
    public async Task<V1Pod> CreateReadyPodAsync(string name, V1PodSpec spec, IDictionary<string, string>? labels = null)
    {
        await Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod { Metadata = new V1ObjectMeta { Name = name, Labels = labels }, Spec = spec }, Namespace).DefaultTimeout();
        var pods = await WaitForPodsAsync($"metadata.name={name}", null, p => p.Count == 1 && PodPolicy.Ready.Accepts(p[0]), $"pod {name} Ready");
        return pods[0];
    }

    /// <summary>A Deployment of echo pods labelled app=<paramref name="app"/>, and a Service (port 80 → echo) for it; waits for Ready pods.</summary>
    public async Task<IReadOnlyList<V1Pod>> CreateEchoDeploymentAsync(string app, int replicas = 1)
    {
        var labels = new Dictionary<string, string> { ["app"] = app };
        await Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = app },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = EchoSpec() },
            },
        }, Namespace).DefaultTimeout();
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = app },
            Spec = new V1ServiceSpec
            {
                Selector = labels,
                Ports = [new V1ServicePort { Name = "echo", Port = 80, TargetPort = "echo" }],
            },
        }, Namespace).DefaultTimeout();
        return await WaitForPodsAsync(null, $"app={app}", p => p.Count(PodPolicy.Ready.Accepts) == replicas, $"{replicas} Ready pods of {app}");
    }

    /// <summary>Lists, then watches, until the matching pods satisfy <paramref name="condition"/> (event-driven, bounded).</summary>
    public async Task<IReadOnlyList<V1Pod>> WaitForPodsAsync(string? fieldSelector, string? labelSelector, Func<IReadOnlyList<V1Pod>, bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        var list = await Client.CoreV1.ListNamespacedPodAsync(Namespace, fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: timeout.Token).DefaultTimeout();
        var pods = list.Items.ToDictionary(p => p.Metadata.Name, StringComparer.Ordinal);
        if (condition([.. pods.Values]))
        {
            return [.. pods.Values];
        }

        try
        {
            await foreach (var (type, pod) in WatchStream.WatchAsync<V1Pod>(Client, $"api/v1/namespaces/{Namespace}/pods", fieldSelector: fieldSelector, labelSelector: labelSelector, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: timeout.Token))
            {
                if (type == WatchEventKind.Deleted)
                {
                    pods.Remove(pod.Metadata.Name);
                }
                else if (type is WatchEventKind.Added or WatchEventKind.Modified)
                {
                    pods[pod.Metadata.Name] = pod;
                }

                if (condition([.. pods.Values]))
                {
                    return [.. pods.Values];
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"timed out waiting for {what}; pods: {string.Join(", ", pods.Values.Select(p => $"{p.Metadata.Name}={p.Status?.Phase}"))}");
    }

    public Task DeletePodAsync(string name) => Client.CoreV1.DeleteNamespacedPodAsync(name, Namespace).DefaultTimeout();

    /// <summary>Fault: cut every open watch and stream; returns how many streams were cut.</summary>
    public async Task<int> DropStreamsAsync()
    {
        using var response = await Admin.PostAsync(new Uri("/local-cluster/faults/drop-streams", UriKind.Relative), null).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>().DefaultTimeout();
        return (int)body!["streams"]!;
    }

    /// <summary>Fault: the API server stops answering new requests (hang or refuse) for <paramref name="seconds"/>.</summary>
    public async Task StopAnsweringAsync(int seconds, string mode)
    {
        using var response = await Admin.PostAsJsonAsync(new Uri("/local-cluster/faults/unresponsive", UriKind.Relative), new { seconds, mode }).DefaultTimeout();
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync()
    {
        using var response = await Admin.DeleteAsync(new Uri("/local-cluster/faults", UriKind.Relative)).DefaultTimeout();
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await Host.DisposeAsync();
        state.Dispose();
    }
}
