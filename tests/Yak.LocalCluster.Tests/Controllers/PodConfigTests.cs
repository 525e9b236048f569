using System.Text;
using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Controllers;

/// <summary>ConfigMap and Secret contents reaching containers (env, envFrom, volumes), and what a missing one does.</summary>
public sealed class PodConfigTests
{
    [Fact]
    public async Task Run_ConfigMapAndSecretAsEnvAndVolumes_ContainerSeesValuesFilesAndModes()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        await kubectl.OkAsync("create", "configmap", "app", "--from-literal=greeting=hello $(NOT_EXPANDED)", "--from-literal=level=debug");
        await kubectl.OkAsync("create", "secret", "generic", "db", "--from-literal=password=s3cret");
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "reader" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Image = "busybox",
                        Command = ["sh", "-c", "echo \"env $CFG_greeting|$CFG_level|$DB_PASSWORD|$NODE\"; cat /etc/app/greeting; echo; stat -c '%a %n' /etc/app/level /etc/db/pw/password.txt; cat /etc/db/pw/password.txt; echo; ls /etc/db/pw"],
                        EnvFrom = [new V1EnvFromSource { Prefix = "CFG_", ConfigMapRef = new V1ConfigMapEnvSource { Name = "app" } }],
                        Env =
                        [
                            new V1EnvVar { Name = "DB_PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "db", Key = "password" } } },
                            new V1EnvVar { Name = "NODE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } },
                        ],
                        VolumeMounts =
                        [
                            new V1VolumeMount { Name = "config", MountPath = "/etc/app" },
                            new V1VolumeMount { Name = "secret", MountPath = "/etc/db" },
                        ],
                    },
                ],
                Volumes =
                [
                    new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "app", DefaultMode = Convert.ToInt32("640", 8) } },
                    new V1Volume
                    {
                        Name = "secret",
                        Secret = new V1SecretVolumeSource { SecretName = "db", Items = [new V1KeyToPath { Key = "password", Path = "pw/password.txt", Mode = Convert.ToInt32("400", 8) }] },
                    },
                ],
            },
        };

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, "default").DefaultTimeout();
        var done = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("reader", "default"),
            p => p.Status?.Phase is "Succeeded" or "Failed",
            "the pod to finish").DefaultTimeout();
        var logs = await kubectl.OkAsync("logs", "reader");

        Assert.True(done.Status.Phase == "Succeeded", logs);
        Assert.Equal(
            "env hello $(NOT_EXPANDED)|debug|s3cret|yak-local\nhello $(NOT_EXPANDED)\n640 /etc/app/level\n400 /etc/db/pw/password.txt\ns3cret\npassword.txt\n",
            logs);
    }

    [Fact]
    public async Task Run_MissingConfigMapForEnv_CreateContainerConfigErrorThenStartsWhenItAppears()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "needs-config" },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Image = "busybox",
                        Env = [new V1EnvVar { Name = "MODE", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "settings", Key = "mode" } } }],
                    },
                ],
            },
        };

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, "default").DefaultTimeout();
        var waiting = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("needs-config", "default"),
            p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError",
            "CreateContainerConfigError").DefaultTimeout();
        var table = await kubectl.OkAsync("get", "pod", "needs-config");
        var describe = await kubectl.OkAsync("describe", "pod", "needs-config");
        Assert.Empty(cluster.Runtime.Running);

        await kubectl.OkAsync("create", "configmap", "settings", "--from-literal=mode=fast");
        var started = await cluster.EventuallyAsync(() => Task.FromResult(cluster.Runtime.Running.Values.ToList()), l => l.Count == 1, "the pod to start").DefaultTimeout();

        Assert.Equal("Pending", waiting.Status.Phase);
        Assert.Equal("configmap \"settings\" not found", waiting.Status.ContainerStatuses.Single().State.Waiting.Message);
        Assert.Matches(@"needs-config\s+0/1\s+CreateContainerConfigError", table);
        Assert.Contains("Error: configmap \"settings\" not found", describe, StringComparison.Ordinal);
        Assert.Equal("fast", started.Single().Spec.Containers.Single().Env.Single(e => e.Name == "MODE").Value);
    }

    [Fact]
    public async Task Run_MissingKeyInSecret_CreateContainerConfigErrorNamingTheKey()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "db" }, Data = new Dictionary<string, byte[]> { ["user"] = Encoding.UTF8.GetBytes("app") } }, "default").DefaultTimeout();
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "needs-key" },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Image = "busybox",
                        Env =
                        [
                            new V1EnvVar { Name = "OPTIONAL", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "other", Key = "x", Optional = true } } },
                            new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "db", Key = "password" } } },
                        ],
                    },
                ],
            },
        };

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, "default").DefaultTimeout();
        var waiting = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("needs-key", "default"),
            p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError",
            "CreateContainerConfigError").DefaultTimeout();

        Assert.Equal("couldn't find key password in Secret default/db", waiting.Status.ContainerStatuses.Single().State.Waiting.Message);
    }
}
