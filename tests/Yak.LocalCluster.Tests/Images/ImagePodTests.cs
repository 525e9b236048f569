using System.Collections.Concurrent;
using k8s.Models;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Runtime.Images;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.LocalCluster.Tests.Images;

/// <summary>
/// The node pulling real images from a docker-registry on 127.0.0.1 (pushed with skopeo) and running containers in
/// their root filesystems. Needs root (pod namespaces), as the local cluster's isolation does.
/// </summary>
public sealed class ImagePodTests
{
    private static OciImageBuilder Busybox(string marker) =>
        new OciImageBuilder().AddBusybox().AddLayer(l => l.File("/marker", marker)).Cmd("sh");

    [Fact]
    public async Task RunPod_RegistryImage_SeesTheImagesFilesNotTheHosts()
    {
        Assert.True(LinuxNative.IsRoot, "running images needs root (pod namespaces)");
        await using var registry = await RegistryFixture.StartAsync();
        var digest = await registry.PushAsync(Busybox("from-the-image"), "busybox:1");
        using var hostFolder = new TempDirectory("yak-vol-");
        File.WriteAllText(hostFolder.Combine("shared"), "from-the-volume");
        await using var node = new Node();
        var container = new V1Container
        {
            Name = "app",
            Image = registry.Reference("busybox:1"),
            Command = ["sh", "-c", "cat /marker; echo; [ -e /etc/os-release ] && echo host-os-release || echo no-os-release; cat /data/shared; echo; echo path=$PATH; ls /proc/self/fd >/dev/null && echo proc-ok; echo > /dev/null && echo dev-ok"],
            VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }],
        };
        var pod = Never(TestPods.Pod("img", container));
        pod.Spec.Volumes = [new V1Volume { Name = "data", HostPath = new V1HostPathVolumeSource { Path = hostFolder.Path } }];

        await node.Harness.RunAsync(pod);
        var status = await node.Harness.WaitForAsync("img", s => s.Phase is "Succeeded" or "Failed");
        var log = node.Log(pod, "app");

        Assert.True(status.Phase == "Succeeded", log);
        Assert.Contains("from-the-image", log, StringComparison.Ordinal);
        Assert.Contains("no-os-release", log, StringComparison.Ordinal);
        Assert.Contains("from-the-volume", log, StringComparison.Ordinal);
        Assert.Contains("path=" + ContainerLaunch.DefaultImagePath, log, StringComparison.Ordinal);
        Assert.Contains("proc-ok", log, StringComparison.Ordinal);
        Assert.Contains("dev-ok", log, StringComparison.Ordinal);
        Assert.Equal($"{registry.Host}/busybox@{digest}", status.ContainerStatuses![0].ImageID);
        Assert.Equal(registry.Reference("busybox:1"), status.ContainerStatuses[0].Image);
        Assert.Contains(node.Events, e => e.Reason == "Pulling" && e.Message == $"Pulling image \"{registry.Reference("busybox:1")}\"");
        Assert.Contains(node.Events, e => e.Reason == "Pulled" && e.Message.StartsWith($"Successfully pulled image \"{registry.Reference("busybox:1")}\" in ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Exec_AsSoonAsTheContainerIsRunning_SeesTheImagesFiles()
    {
        // The container's mounts take tens of ms after its process starts; running means they are done, as on
        // Kubernetes (an exec in between joined the mount namespace with the host's root: "no such file").
        Assert.True(LinuxNative.IsRoot, "running images needs root (pod namespaces)");
        await using var registry = await RegistryFixture.StartAsync();
        await registry.PushAsync(Busybox("from-the-image"), "busybox:1");
        await using var node = new Node();
        var pod = TestPods.Pod("running", new V1Container { Name = "app", Image = registry.Reference("busybox:1"), Command = ["sleep", "100000"] });

        await node.Harness.RunAsync(pod);
        await node.Harness.WaitForAsync("running", s => s.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null);
        var launch = node.Harness.Runtime.Find(pod.Metadata.Uid)!.Containers[0].BuildExec(["cat", "/marker"], tty: false)!;
        var output = new System.Text.StringBuilder();
        using var exec = LocalProcess.Start(launch, tty: false, (_, data) =>
        {
            lock (output)
            {
                output.Append(System.Text.Encoding.UTF8.GetString(data.Span));
            }

            return ValueTask.CompletedTask;
        });
        var exit = await exec.Exited.DefaultTimeout();

        Assert.True(exit == 0, output.ToString());
        Assert.Equal("from-the-image", output.ToString());
    }

    [Fact]
    public async Task RunPod_ImagePathWithoutHostTools_RunsWithTheImagesPath()
    {
        // Like the prebuilt agent image: one static binary in /usr/local/bin and PATH=/usr/local/bin, no /bin at all.
        Assert.True(LinuxNative.IsRoot, "running images needs root (pod namespaces)");
        await using var registry = await RegistryFixture.StartAsync();
        var image = new OciImageBuilder()
            .AddLayer(l => l.Directory("/usr").Directory("/usr/local").Directory("/usr/local/bin")
                .HostFile("/usr/local/bin/busybox", OciImageBuilder.BusyboxPath)
                .Symlink("/usr/local/bin/sh", "busybox").Symlink("/usr/local/bin/ls", "busybox"))
            .Env("PATH", "/usr/local/bin").Cmd("sh", "-c", "echo \"path=$PATH\"; echo root: /* end; ls /usr/local/bin");
        await registry.PushAsync(image, "minimal:1");
        await using var node = new Node();
        var pod = Never(TestPods.Pod("minimal", new V1Container { Name = "app", Image = registry.Reference("minimal:1") }));

        await node.Harness.RunAsync(pod);
        var status = await node.Harness.WaitForAsync("minimal", s => s.Phase is "Succeeded" or "Failed");
        var log = node.Log(pod, "app");

        Assert.True(status.Phase == "Succeeded", log);
        Assert.Contains("path=/usr/local/bin", log, StringComparison.Ordinal);
        Assert.Contains("/usr", log, StringComparison.Ordinal);
        Assert.DoesNotContain("/bin ", log, StringComparison.Ordinal);
        Assert.Contains("busybox", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPod_ImageConfig_EntrypointCmdUserWorkingDirAndEnvAppliedAsKubernetes()
    {
        Assert.True(LinuxNative.IsRoot, "running images needs root (pod namespaces)");
        await using var registry = await RegistryFixture.StartAsync();
        var image = new OciImageBuilder().AddBusybox()
            .Entrypoint("/bin/sh", "-c", "echo \"args=$*\"; echo \"uid=$(id -u)\"; echo \"wd=$(pwd)\"; echo \"greeting=$GREETING\"; echo \"home=$HOME\"", "entry")
            .Cmd("from-cmd").User("app").WorkingDir("/work").Env("GREETING", "hello");
        await registry.PushAsync(image, "config:1", dockerV2: true);
        await using var node = new Node();
        var reference = registry.Reference("config:1");
        var pod = Never(TestPods.Pod(
            "cfg",
            new V1Container { Name = "defaults", Image = reference },
            new V1Container { Name = "args", Image = reference, Args = ["from-args"] },
            new V1Container { Name = "command", Image = reference, Command = ["/bin/sh", "-c", "echo command-replaces-entrypoint; echo \"args=$*\"", "x"], Env = [new V1EnvVar { Name = "GREETING", Value = "overridden" }] },
            new V1Container { Name = "root", Image = reference, SecurityContext = new V1SecurityContext { RunAsUser = 0 }, WorkingDir = "/tmp" }));

        await node.Harness.RunAsync(pod);
        var status = await node.Harness.WaitForAsync("cfg", s => s.Phase is "Succeeded" or "Failed");

        var defaults = node.Log(pod, "defaults");
        Assert.True(status.Phase == "Succeeded", defaults);
        Assert.Contains("args=from-cmd", defaults, StringComparison.Ordinal);
        Assert.Contains("uid=1000", defaults, StringComparison.Ordinal);
        Assert.Contains("wd=/work", defaults, StringComparison.Ordinal);
        Assert.Contains("greeting=hello", defaults, StringComparison.Ordinal);
        Assert.Contains("home=/home/app", defaults, StringComparison.Ordinal);
        Assert.Contains("args=from-args", node.Log(pod, "args"), StringComparison.Ordinal);
        var command = node.Log(pod, "command");
        Assert.Contains("command-replaces-entrypoint", command, StringComparison.Ordinal);
        Assert.DoesNotContain("from-cmd", command, StringComparison.Ordinal);
        var root = node.Log(pod, "root");
        Assert.Contains("uid=0", root, StringComparison.Ordinal);
        Assert.Contains("wd=/tmp", root, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPod_ImageNotInRegistry_ErrImagePullThenImagePullBackOffWithKubeletEvents()
    {
        await using var registry = await RegistryFixture.StartAsync();
        await using var node = new Node();
        var reference = registry.Reference("nothing-here:1");
        var pod = TestPods.Pod("missing", new V1Container { Name = "app", Image = reference });

        await node.Harness.RunAsync(pod);
        var pullError = await node.Harness.WaitForAsync("missing", s => s.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ErrImagePull");
        var backOff = await node.Harness.WaitForAsync("missing", s => s.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff");

        Assert.Equal("Pending", backOff.Phase);
        Assert.Contains("not found", pullError.ContainerStatuses![0].State.Waiting.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Back-off pulling image \"{reference}\"", backOff.ContainerStatuses![0].State.Waiting.Message, StringComparison.Ordinal);
        await node.WaitForEventAsync(e => e.Reason == "BackOff");
        Assert.Contains(node.Events, e => e.Reason == "Pulling" && e.Type == "Normal");
        Assert.Contains(node.Events, e => e.Reason == "Failed" && e.Type == "Warning" && e.Message.StartsWith($"Failed to pull image \"{reference}\": ", StringComparison.Ordinal));
        Assert.Contains(node.Events, e => e.Reason == "Failed" && e.Message == "Error: ErrImagePull");
        Assert.Contains(node.Events, e => e.Reason == "BackOff" && e.Type == "Normal" && e.Message == $"Back-off pulling image \"{reference}\"");
    }

    [Fact]
    public async Task RunPod_PullPolicyNeverAndAbsent_ErrImageNeverPull()
    {
        await using var registry = await RegistryFixture.StartAsync();
        await registry.PushAsync(Busybox("x"), "shop/web:1");
        await using var node = new Node();
        var reference = registry.Reference("shop/web:1");
        var pod = TestPods.Pod("never", new V1Container { Name = "app", Image = reference, ImagePullPolicy = "Never" });

        await node.Harness.RunAsync(pod);
        var status = await node.Harness.WaitForAsync("never", s => s.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ErrImageNeverPull");

        Assert.Equal($"Container image \"{reference}\" is not present with pull policy of Never", status.ContainerStatuses![0].State.Waiting.Message);
        Assert.DoesNotContain(node.Events, e => e.Reason == "Pulling");
    }

    [Fact]
    public async Task RunPod_IfNotPresentAndCached_RunsWithoutTheRegistry()
    {
        Assert.True(LinuxNative.IsRoot, "running images needs root (pod namespaces)");
        var registry = await RegistryFixture.StartAsync();
        string digest;
        await using var node = new Node();
        var reference = registry.Reference("busybox:2");
        try
        {
            digest = await registry.PushAsync(Busybox("cached"), "busybox:2");
            await node.Harness.RunAsync(Never(TestPods.Pod("first", new V1Container { Name = "app", Image = reference, Command = ["true"] })));
            await node.Harness.WaitForAsync("first", s => s.Phase == "Succeeded");
        }
        finally
        {
            await registry.DisposeAsync();
        }

        var second = Never(TestPods.Pod("second", new V1Container { Name = "app", Image = reference, Command = ["cat", "/marker"] }));
        await node.Harness.RunAsync(second);
        var status = await node.Harness.WaitForAsync("second", s => s.Phase is "Succeeded" or "Failed");

        Assert.Equal("Succeeded", status.Phase);
        Assert.Equal($"{registry.Host}/busybox@{digest}", status.ContainerStatuses![0].ImageID);
        Assert.Contains(node.Events, e => e.Uid == second.Metadata.Uid && e.Reason == "Pulled" && e.Message == $"Container image \"{reference}\" already present on machine");
    }

    [Fact]
    public async Task RunPod_MultiPlatformIndex_RunsThisMachinesPlatform()
    {
        Assert.True(LinuxNative.IsRoot, "running images needs root (pod namespaces)");
        await using var registry = await RegistryFixture.StartAsync();
        var other = OciImageBuilder.HostArchitecture == "arm64" ? "amd64" : "arm64";
        var index = await registry.PushMultiPlatformAsync(
            "multi:1",
            new OciImageBuilder { Architecture = other }.AddBusybox().AddLayer(l => l.File("/marker", "wrong-platform")),
            new OciImageBuilder().AddBusybox().AddLayer(l => l.File("/marker", "this-platform")));
        await using var node = new Node();
        var pod = Never(TestPods.Pod("multi", new V1Container { Name = "app", Image = registry.Reference("multi:1"), Command = ["cat", "/marker"] }));

        await node.Harness.RunAsync(pod);
        var status = await node.Harness.WaitForAsync("multi", s => s.Phase is "Succeeded" or "Failed");

        Assert.Contains("this-platform", node.Log(pod, "app"), StringComparison.Ordinal);
        Assert.Equal($"{registry.Host}/multi@{index}", status.ContainerStatuses![0].ImageID);
    }

    [Fact]
    public async Task RunPod_HostToolImageWithoutRegistry_KeepsRunningTheHostsTools()
    {
        await using var node = new Node();
        var pod = Never(TestPods.Pod("tool", TestPods.Shell("app", "test -e /etc/os-release && echo host-files")));

        await node.Harness.RunAsync(pod);
        var status = await node.Harness.WaitForAsync("tool", s => s.Phase is "Succeeded" or "Failed");

        Assert.Equal("Succeeded", status.Phase);
        Assert.Contains("host-files", node.Log(pod, "app"), StringComparison.Ordinal);
        Assert.Equal("yak-local://busybox", status.ContainerStatuses![0].ImageID);
        Assert.DoesNotContain(node.Events, e => e.Reason == "Pulling");
    }

    [Fact]
    public async Task ImageStore_CacheAndRootFs_PrivateToTheUser()
    {
        await using var registry = await RegistryFixture.StartAsync();
        await registry.PushAsync(Busybox("private"), "busybox:1");
        using var state = new TempDirectory("yak-node-");
        using var store = new ImageStore(new PodRuntimeOptions(state.Path));
        ImageReference.TryParse(registry.Reference("busybox:1"), out var reference, out _);

        var image = await store.PullAsync(reference, null, CancellationToken.None).DefaultTimeout();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(state.Path, "images")));
        Assert.StartsWith(Path.Combine(state.Path, "images"), image.RootFs, StringComparison.Ordinal);
        Assert.All(Directory.EnumerateFiles(Path.Combine(state.Path, "images", "blobs", "sha256")), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        Assert.Equal("private", File.ReadAllText(Path.Combine(image.RootFs, "marker")));
    }

    private static V1Pod Never(V1Pod pod)
    {
        pod.Spec.RestartPolicy = "Never";
        return pod;
    }

    /// <summary>A runtime harness that also keeps the events the node reports.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly ConcurrentQueue<PodEventReport> events = new();
        private readonly List<(Func<PodEventReport, bool> Predicate, TaskCompletionSource Done)> waiters = [];

        public Node()
        {
            Harness = new RuntimeHarness();
            Harness.Runtime.EventReported += report =>
            {
                events.Enqueue(report);
                lock (waiters)
                {
                    foreach (var waiter in waiters.Where(w => w.Predicate(report)).ToList())
                    {
                        waiter.Done.TrySetResult();
                        waiters.Remove(waiter);
                    }
                }
            };
        }

        public RuntimeHarness Harness { get; }

        public IReadOnlyCollection<PodEventReport> Events => events;

        public Task WaitForEventAsync(Func<PodEventReport, bool> predicate)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (waiters)
            {
                if (events.Any(predicate))
                {
                    return Task.CompletedTask;
                }

                waiters.Add((predicate, done));
            }

            return done.Task.DefaultTimeout();
        }

        /// <summary>The text of a container's first run (the log is complete once the container has terminated).</summary>
        public string Log(V1Pod pod, string container)
        {
            var path = Path.Combine(Harness.StateDirectory, "pods", pod.Metadata.Uid, "logs", container, "0.log");
            return File.Exists(path)
                ? string.Join('\n', File.ReadLines(path).Select(l => LogLine.Parse(l)?.Text ?? l))
                : $"(no log at {path})";
        }

        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }
}
