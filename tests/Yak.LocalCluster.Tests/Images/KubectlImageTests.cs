using k8s;
using Yak.Kube.Watching;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Tests.Kubectl;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.LocalCluster.Tests.Images;

/// <summary>
/// Conformance with the real kubectl and KubernetesClient for images: pods run from a registry on 127.0.0.1, the
/// digest in imageID, the kubelet's events in <c>kubectl describe</c>, a rollout restart pulling a new digest, and a
/// missing image reported as ErrImagePull / ImagePullBackOff.
/// </summary>
public sealed class KubectlImageTests
{
    private static OciImageBuilder Busybox(string marker) =>
        new OciImageBuilder().AddBusybox().AddLayer(l => l.File("/marker", marker)).Cmd("sh");

    private static Task<LocalClusterHost> StartClusterAsync(TempDirectory state) =>
        LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = state.Path,
            ConfigureRuntime = o =>
            {
                o.RestartBackoffBase = TimeSpan.FromMilliseconds(200);
                o.RestartBackoffMax = TimeSpan.FromSeconds(1);
            },
        }).DefaultTimeout();

    [Theory]
    [MemberData(nameof(KubectlConformanceTests.KubectlVersions), MemberType = typeof(KubectlConformanceTests))]
    public async Task KubectlRun_RegistryImage_LogsImageIdAndPullEvents(string version)
    {
        await using var registry = await RegistryFixture.StartAsync();
        var digest = await registry.PushAsync(Busybox("hello-from-the-image"), "busybox:1");
        using var state = new TempDirectory("yak-lc-");
        await using var host = await StartClusterAsync(state);
        var kubectl = Support.Kubectl.For(host.KubeconfigPath, version);
        var image = registry.Reference("busybox:1");

        await kubectl.OkAsync("run", "img", $"--image={image}", "--restart=Never", "--command", "--", "sh", "-c", "cat /marker; [ -e /etc/os-release ] || echo no-host-files");
        await kubectl.OkAsync("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/img", "--timeout=25s");
        var logs = await kubectl.OkAsync("logs", "img");
        var imageId = await kubectl.OkAsync("get", "pod", "img", "-o", "jsonpath={.status.containerStatuses[0].imageID}");
        var describe = await kubectl.OkAsync("describe", "pod", "img");

        Assert.Contains("hello-from-the-image", logs, StringComparison.Ordinal);
        Assert.Contains("no-host-files", logs, StringComparison.Ordinal);
        Assert.Equal($"{registry.Host}/busybox@{digest}", imageId.Trim());
        Assert.Contains($"Pulling image \"{image}\"", describe, StringComparison.Ordinal);
        Assert.Contains($"Successfully pulled image \"{image}\" in ", describe, StringComparison.Ordinal);
        Assert.Contains(digest, describe, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RolloutRestart_NewDigestUnderSameTag_NewPodsRunIt()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var first = await registry.PushAsync(Busybox("v1"), "shop/web:latest");
        using var state = new TempDirectory("yak-lc-");
        await using var host = await StartClusterAsync(state);
        var kubectl = Support.Kubectl.For(host.KubeconfigPath);
        using var client = new Yak.Kube.KubeClient(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath));

        // ":latest" defaults to imagePullPolicy Always, so a restart asks the registry again.
        await kubectl.OkAsync("create", "deployment", "web", $"--image={registry.Reference("shop/web:latest")}", "--", "sh", "-c", "cat /marker; exec sleep 100000");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=25s");
        var before = await ImageIdsAsync(client);
        var second = await registry.PushAsync(Busybox("v2"), "shop/web:latest");
        await kubectl.OkAsync("rollout", "restart", "deployment/web");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "--timeout=25s");
        await kubectl.OkAsync("wait", "--for=delete", "pod", "-l", $"pod-template-hash={before.Hash}", "--timeout=25s");
        var after = await ImageIdsAsync(client);
        var logs = await kubectl.OkAsync("logs", "deployment/web");

        Assert.NotEqual(first, second);
        Assert.Equal($"{registry.Host}/shop/web@{first}", before.ImageId);
        Assert.Equal($"{registry.Host}/shop/web@{second}", after.ImageId);
        Assert.Contains("v2", logs, StringComparison.Ordinal);
        var policy = await kubectl.OkAsync("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].imagePullPolicy}");
        Assert.Equal("Always", policy.Trim());
    }

    [Fact]
    public async Task KubectlExec_ImageWithUser_RunsInTheImageAsItsUser()
    {
        await using var registry = await RegistryFixture.StartAsync();
        await registry.PushAsync(Busybox("exec-sees-the-image").User("app"), "busybox:user");
        using var state = new TempDirectory("yak-lc-");
        await using var host = await StartClusterAsync(state);
        var kubectl = Support.Kubectl.For(host.KubeconfigPath);

        await kubectl.OkAsync("run", "sleeper", $"--image={registry.Reference("busybox:user")}", "--command", "--", "sleep", "100000");
        await kubectl.OkAsync("wait", "--for=condition=Ready", "pod/sleeper", "--timeout=25s");
        var output = await kubectl.OkAsync("exec", "sleeper", "--", "sh", "-c", "id -u; cat /marker; echo; [ -e /etc/os-release ] || echo no-host-files");

        Assert.Equal(["1000", "exec-sees-the-image", "no-host-files"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task KubectlRun_ImageNotInRegistry_ImagePullBackOffAndFailedEvents()
    {
        await using var registry = await RegistryFixture.StartAsync();
        using var state = new TempDirectory("yak-lc-");
        await using var host = await StartClusterAsync(state);
        var kubectl = Support.Kubectl.For(host.KubeconfigPath);
        var image = registry.Reference("no/such-image:1");

        using var client = new Yak.Kube.KubeClient(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath));

        await kubectl.OkAsync("run", "missing", $"--image={image}");
        await WaitForWaitingReasonAsync(client, "missing", "ImagePullBackOff");
        var table = await kubectl.OkAsync("get", "pod", "missing");
        var events = await kubectl.OkAsync("get", "events", "--field-selector", "involvedObject.name=missing", "-o", "jsonpath={range .items[*]}{.type} {.reason} {.message}{\"\\n\"}{end}");

        // The pull is retried on a short back-off here, so the STATUS column may already show the next ErrImagePull.
        Assert.Matches("ImagePullBackOff|ErrImagePull", table);
        Assert.Contains($"Normal Pulling Pulling image \"{image}\"", events, StringComparison.Ordinal);
        Assert.Contains($"Warning Failed Failed to pull image \"{image}\": ", events, StringComparison.Ordinal);
        Assert.Contains("Warning Failed Error: ErrImagePull", events, StringComparison.Ordinal);
        Assert.Contains($"Normal BackOff Back-off pulling image \"{image}\"", events, StringComparison.Ordinal);
        Assert.Contains("Warning Failed Error: ImagePullBackOff", events, StringComparison.Ordinal);
    }

    private static async Task<(string Hash, string ImageId)> ImageIdsAsync(Yak.Kube.KubeClient client)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web").DefaultTimeout();
        var running = pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase == "Running").ToList();
        var pod = Assert.Single(running);
        return (pod.Metadata.Labels["pod-template-hash"], pod.Status.ContainerStatuses[0].ImageID);
    }

    /// <summary>Watches the pod (KubernetesClient) until its first container waits for <paramref name="reason"/>.</summary>
    private static async Task WaitForWaitingReasonAsync(Yak.Kube.KubeClient client, string name, string reason)
    {
        using var cancel = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        await foreach (var (_, pod) in WatchStream.WatchAsync<k8s.Models.V1Pod>(client, "api/v1/namespaces/default/pods", fieldSelector: $"metadata.name={name}", cancellationToken: cancel.Token))
        {
            if (pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == reason)
            {
                return;
            }
        }

        throw new InvalidOperationException($"the watch of pod {name} ended before it waited for {reason}");
    }
}
