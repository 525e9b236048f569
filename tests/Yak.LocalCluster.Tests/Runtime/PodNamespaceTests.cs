using k8s.Models;
using Yak.LocalCluster.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Runtime;

/// <summary>
/// Isolation as on Kubernetes: needs root on Linux (as on the CI machines); fails, not skips, without it. Mount paths
/// live under the test's state folder because a missing mount point is created on the host (see ContainerLaunch).
/// </summary>
public sealed class PodNamespaceTests
{
    private static V1Container HttpServer(string name, string folder) => new()
    {
        Name = name,
        Image = "python:3.12",
        Command = ["python3", "-m", "http.server", "8080", "--bind", "0.0.0.0", "--directory", folder],
        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 8080, Path = "/" }, PeriodSeconds = 1 },
    };

    [Fact]
    public async Task RunPod_TwoPodsListenOn8080_EachServesItsOwnVolumeOnItsPodIp()
    {
        Assert.True(LinuxNative.IsRoot, "pod namespaces need root on Linux");
        await using var node = new RuntimeHarness();
        Assert.True(node.Runtime.UsesNamespaces, "unshare/nsenter missing: pods cannot get their own namespaces");
        var pods = new[] { "web-a", "web-b" }.Select(name =>
        {
            var site = Path.Combine(node.StateDirectory, "mnt", "site");
            var pod = TestPods.Pod(name, HttpServer("web", site));
            pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "site", MountPath = site }];
            pod.Spec.Volumes = [new V1Volume { Name = "site", EmptyDir = new V1EmptyDirVolumeSource() }];
            Directory.CreateDirectory(Path.Combine(node.StateDirectory, "pods", pod.Metadata.Uid, "volumes", "site"));
            File.WriteAllText(Path.Combine(node.StateDirectory, "pods", pod.Metadata.Uid, "volumes", "site", "who.txt"), name);
            return pod;
        }).ToList();

        foreach (var pod in pods)
        {
            await node.RunAsync(pod);
        }

        var a = await node.WaitReadyAsync("web-a");
        var b = await node.WaitReadyAsync("web-b");

        var sandbox = node.Runtime.Find(pods[0].Metadata.Uid)!.Sandbox!;
        Assert.True(sandbox.Isolated, "the pod has no sandbox");
        Assert.True(sandbox.NetworkWarning is null, sandbox.NetworkWarning);
        Assert.NotEqual(a.PodIP, b.PodIP);
        Assert.StartsWith("10.244.", a.PodIP, StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Equal("web-a", await http.GetStringAsync(new Uri($"http://{a.PodIP}:8080/who.txt")).DefaultTimeout());
        Assert.Equal("web-b", await http.GetStringAsync(new Uri($"http://{b.PodIP}:8080/who.txt")).DefaultTimeout());
    }

    [Fact]
    public async Task RunPod_TwoContainersShareEmptyDir_EachSeesTheOthersFileAtItsMountPath()
    {
        await using var node = new RuntimeHarness();
        var output = Path.Combine(node.StateDirectory, "mnt", "out");
        var input = Path.Combine(node.StateDirectory, "mnt", "in");
        var writer = TestPods.Shell("writer", $"echo shared-data > {output}/note.txt; exec sleep 1000");
        writer.VolumeMounts = [new V1VolumeMount { Name = "scratch", MountPath = output }];
        var reader = TestPods.Shell("reader", "exec sleep 1000");
        reader.VolumeMounts = [new V1VolumeMount { Name = "scratch", MountPath = input }];
        reader.ReadinessProbe = new V1Probe
        {
            Exec = new V1ExecAction { Command = ["grep", "-q", "shared-data", $"{input}/note.txt"] },
            PeriodSeconds = 1,
        };
        var pod = TestPods.Pod("shared", writer, reader);
        pod.Spec.Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() }];

        await node.RunAsync(pod);
        await node.WaitReadyAsync("shared");

        var folder = Path.Combine(node.StateDirectory, "pods", pod.Metadata.Uid, "volumes", "scratch", "note.txt");
        Assert.Equal("shared-data\n", await File.ReadAllTextAsync(folder).DefaultTimeout());
    }

    [Fact]
    public async Task RunPod_EnvArgsAndWorkingDir_Honoured()
    {
        await using var node = new RuntimeHarness();
        var output = Path.Combine(node.StateDirectory, "mnt", "out");
        var app = new V1Container
        {
            Name = "app",
            Image = "busybox",
            Command = ["sh", "-c"],
            Args = [$"echo \"$GREETING $(NAME) $(pwd)\" > {output}/result.txt; exec sleep 1000"],
            WorkingDir = output,
            Env =
            [
                new V1EnvVar { Name = "NAME", Value = "world" },
                new V1EnvVar { Name = "GREETING", Value = "hello-$(NAME)" },
                new V1EnvVar { Name = "POD", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            ],
            VolumeMounts = [new V1VolumeMount { Name = "out", MountPath = output }],
            ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["sh", "-c", $"test \"$POD\" = envpod && test -s {output}/result.txt"] }, PeriodSeconds = 1 },
        };
        var pod = TestPods.Pod("envpod", app);
        pod.Spec.Volumes = [new V1Volume { Name = "out", EmptyDir = new V1EmptyDirVolumeSource() }];

        await node.RunAsync(pod);
        await node.WaitReadyAsync("envpod");

        var text = await File.ReadAllTextAsync(Path.Combine(node.StateDirectory, "pods", pod.Metadata.Uid, "volumes", "out", "result.txt")).DefaultTimeout();
        var folder = Path.Combine(node.StateDirectory, "pods", pod.Metadata.Uid, "volumes", "out");
        Assert.Equal($"hello-world world {output}\n", node.Runtime.UsesNamespaces ? text : text.Replace(folder, output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sandbox_HolderLosesItsCluster_KillsEveryProcessOfThePod()
    {
        await using var node = new RuntimeHarness();
        Assert.True(node.Runtime.UsesNamespaces, "pod namespaces need root on Linux with unshare and nsenter");
        var childPid = Path.Combine(node.StateDirectory, "child.pid");
        var app = TestPods.Shell("app", $"sleep 1000 & echo $! > {childPid}; exec sleep 1000");
        app.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["test", "-s", childPid] }, PeriodSeconds = 1 };
        var pod = TestPods.Pod("orphaned", app);
        pod.Spec.RestartPolicy = "Never";
        await node.RunAsync(pod);
        await node.WaitReadyAsync("orphaned");
        var child = int.Parse((await File.ReadAllTextAsync(childPid).DefaultTimeout()).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var instance = node.Runtime.Find(pod.Metadata.Uid)!;
        var process = instance.Containers[0].Process!;

        // What a crash of the cluster looks like to the holder: its stdin closes while containers still run.
        await instance.Sandbox!.DisposeAsync();
        var status = await node.WaitForAsync("orphaned", s => s.Phase == "Failed");

        Assert.Equal(137, status.ContainerStatuses![0].State.Terminated.ExitCode);
        Assert.True(process.HasExited);
        Assert.True(IsGone(child), $"the container's child {child} survived its pod");
    }

    /// <summary>Dead: no such process, or a zombie waiting for its reaper.</summary>
    private static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
