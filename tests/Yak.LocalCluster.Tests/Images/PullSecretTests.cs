using k8s;
using k8s.Models;
using Yak.Kube;
using Yak.Kube.Watching;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Runtime.Images;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.LocalCluster.Tests.Images;

/// <summary>A registry that requires a login (Docker token auth: Bearer challenge, token service) and pull secrets.</summary>
public sealed class PullSecretTests
{
    [Fact]
    public async Task RunPod_RegistryWithTokenAuth_PullsWithImagePullSecretOnly()
    {
        var login = new RegistryLogin("ci", "s3cret-" + Guid.NewGuid().ToString("N")[..8]);
        await using var registry = await RegistryFixture.StartAsync(login);
        await registry.PushAsync(new OciImageBuilder().AddBusybox().AddLayer(l => l.File("/marker", "behind-a-login")), "private/app:1");
        using var state = new TempDirectory("yak-lc-");
        await using var host = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = state.Path,
            ConfigureRuntime = o =>
            {
                o.RestartBackoffBase = TimeSpan.FromMilliseconds(200);
                o.RestartBackoffMax = TimeSpan.FromSeconds(1);
            },
        }).DefaultTimeout();
        var kubectl = Support.Kubectl.For(host.KubeconfigPath);
        using var client = new KubeClient(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath));
        var image = registry.Reference("private/app:1");
        await kubectl.OkAsync("create", "secret", "docker-registry", "regcred", $"--docker-server={registry.Host}", $"--docker-username={login.Username}", $"--docker-password={login.Password}");

        // One after the other: once pulled, the image is on the node and IfNotPresent would run it for anyone.
        await client.CoreV1.CreateNamespacedPodAsync(Pod("anonymous", image, secret: null), "default").DefaultTimeout();
        var refused = await WaitForAsync(client, "anonymous", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ErrImagePull");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("with-secret", image, secret: "regcred"), "default").DefaultTimeout();
        var pulled = await WaitForAsync(client, "with-secret", p => p.Status?.Phase is "Succeeded" or "Failed");
        var logs = await kubectl.OkAsync("logs", "with-secret");

        Assert.Equal("Succeeded", pulled.Status.Phase);
        Assert.Contains("behind-a-login", logs, StringComparison.Ordinal);
        Assert.Contains("token service", refused.Status.ContainerStatuses[0].State.Waiting.Message, StringComparison.Ordinal);
        Assert.True(registry.Tokens!.Issued >= 2, $"tokens issued: {registry.Tokens.Issued}");
    }

    [Theory]
    [InlineData("busybox", "Always")]
    [InlineData("busybox:latest", "Always")]
    [InlineData("busybox:1.36", "IfNotPresent")]
    [InlineData("127.0.0.1:5000/web", "Always")]
    [InlineData("127.0.0.1:5000/web:2", "IfNotPresent")]
    [InlineData("registry.example/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    public void DefaultPullPolicy_ImageReference_AsTheApiServerDefaultsIt(string image, string expected)
    {
        Assert.True(ImageReference.TryParse(image, out var reference, out var error), error);

        Assert.Equal(expected, Defaults.DefaultPullPolicy(image));
        Assert.Equal(expected, reference.DefaultPullPolicy);
    }

    [Fact]
    public void DockerConfigLogins_DockerConfigJsonSecret_LoginForItsRegistryOnly()
    {
        var config = """{"auths":{"https://127.0.0.1:5000/v1/":{"auth":"dXNlcjpwYXNz"},"other.example":{"username":"x","password":"y"}}}""";
        var secrets = new OneSecret("regcred", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", config);

        var login = DockerConfigLogins.Find(secrets, "default", ["missing", "regcred"], "127.0.0.1:5000");
        var none = DockerConfigLogins.Find(secrets, "default", ["regcred"], "elsewhere.example");

        Assert.Equal(new RegistryCredentials("user", "pass"), login);
        Assert.Null(none);
    }

    private static V1Pod Pod(string name, string image, string? secret) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            Containers = [new V1Container { Name = "app", Image = image, Command = ["cat", "/marker"] }],
            ImagePullSecrets = secret is null ? null : [new V1LocalObjectReference { Name = secret }],
        },
    };

    private static async Task<V1Pod> WaitForAsync(KubeClient client, string name, Func<V1Pod, bool> condition)
    {
        using var cancel = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        await foreach (var (_, pod) in WatchStream.WatchAsync<V1Pod>(client, "api/v1/namespaces/default/pods", fieldSelector: $"metadata.name={name}", cancellationToken: cancel.Token))
        {
            if (condition(pod))
            {
                return pod;
            }
        }

        throw new InvalidOperationException($"the watch of pod {name} ended first");
    }

    private sealed class OneSecret(string name, string type, string key, string value) : IImagePullSecrets
    {
        public (string Type, IReadOnlyDictionary<string, byte[]> Data)? Read(string ns, string secretName) =>
            secretName == name ? (type, new Dictionary<string, byte[]> { [key] = System.Text.Encoding.UTF8.GetBytes(value) }) : null;
    }
}
