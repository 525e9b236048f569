using System.Threading.Channels;
using k8s;
using k8s.Models;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Streams;

/// <summary>logs through yakd: tail, and follow across a container restart.</summary>
public sealed class LogStreamTests : IAsyncLifetime
{
    private StreamsFixture fixture = null!;

    public async Task InitializeAsync() => fixture = await StreamsFixture.StartAsync();

    public async Task DisposeAsync() => await fixture.DisposeAsync();

    [Fact]
    public async Task Logs_Tail_ReturnsTheLastLinesWithPodAndContainer()
    {
        var lines = await ReadAllAsync(new LogsStartRequest { Target = fixture.Target(), Follow = false, TailLines = 2, SinceSeconds = 0 });

        Assert.Equal(["two", "three"], lines.Select(l => l.Line));
        Assert.All(lines, l =>
        {
            Assert.Equal(StreamsFixture.ShellPod, l.Pod);
            Assert.Equal("app", l.Container);
            Assert.True(DateTimeOffset.TryParse(l.Time, System.Globalization.CultureInfo.InvariantCulture, out _), l.Time);
        });
    }

    [Fact]
    public async Task Logs_SelectorOverTwoPods_NamesEachLinesPod()
    {
        await fixture.Cluster.RunReadyAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "shell-2", Labels = new Dictionary<string, string> { ["app"] = StreamsFixture.ShellPod } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox", Command = ["sh", "-c", "echo second pod; exec sleep 100000"] }] },
        });

        var lines = await ReadAllAsync(new LogsStartRequest { Target = fixture.Target(selector: "app=shell"), Follow = false, TailLines = -1, SinceSeconds = 0 });

        Assert.Equal(["one", "three", "two"], lines.Where(l => l.Pod == StreamsFixture.ShellPod).Select(l => l.Line).Order(StringComparer.Ordinal));
        Assert.Equal("second pod", Assert.Single(lines, l => l.Pod == "shell-2").Line);
    }

    [Fact]
    public async Task LogsFollow_ContainerRestarts_FollowsTheNewRunWithoutRepeats()
    {
        var dir = Path.Combine(fixture.Cluster.Host.StateDirectory, "mnt", "restart-" + Guid.NewGuid().ToString("N")[..8]);
        var app = new V1Container
        {
            Name = "app",
            Image = "busybox",
            Command = ["sh", "-c", $"n=$(cat {dir}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > {dir}/n; echo \"run $n\"; [ $n -ge 2 ] && exec sleep 100000; rm -f {dir}/go; mkfifo {dir}/go; read x < {dir}/go; exit 1"],
            VolumeMounts = [new V1VolumeMount { Name = "state", MountPath = dir }],
        };
        await fixture.Cluster.RunReadyAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "restarts" },
            Spec = new V1PodSpec { RestartPolicy = "Always", Containers = [app], Volumes = [new V1Volume { Name = "state", EmptyDir = new V1EmptyDirVolumeSource() }] },
        });
        var started = await fixture.Client.StartLogsAsync(
            new LogsStartRequest { Target = fixture.Target(pod: "restarts"), Follow = true, TailLines = -1, SinceSeconds = 0 },
            CancellationToken.None).DefaultTimeout();
        await using var stream = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();
        var lines = Channel.CreateUnbounded<LogLineInfo>();
        var copy = stream.CopyOutputAsync(Stream.Null, Stream.Null, l => lines.Writer.TryWrite(l), null, CancellationToken.None);

        Assert.Equal("run 1", (await lines.Reader.ReadAsync().AsTask().DefaultTimeout()).Line);

        // The first run waits on a fifo; writing to it makes the container exit, and the kubelet restarts it. The exec's
        // shell lives in the container it just ended, so it may be killed with that run (137) before it reports 0.
        var (code, _, _) = await fixture.ExecAsync(["sh", "-c", $"echo > {dir}/go"], target: fixture.Target(pod: "restarts"));
        Assert.Contains(code, new[] { 0, 137 });

        Assert.Equal("run 2", (await lines.Reader.ReadAsync().AsTask().DefaultTimeout()).Line);
        Assert.False(copy.IsCompleted);
        var pod = await fixture.Cluster.Client.CoreV1.ReadNamespacedPodAsync("restarts", "default").DefaultTimeout();
        Assert.Equal(1, pod.Status.ContainerStatuses.Single().RestartCount);
    }

    [Fact]
    public async Task LogsFollow_PodReplaced_FollowsTheNewPod()
    {
        var labels = new Dictionary<string, string> { ["app"] = "talker" };
        await fixture.Cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "talker" },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox", Command = ["sh", "-c", "echo hello from $HOSTNAME; exec sleep 100000"] }] },
                    },
                },
            },
            "default").DefaultTimeout();
        var first = await fixture.Cluster.WaitForReadyPodAsync("app=talker", except: null);
        var started = await fixture.Client.StartLogsAsync(
            new LogsStartRequest { Target = fixture.Target(selector: "app=talker"), Follow = true, TailLines = -1, SinceSeconds = 0 },
            CancellationToken.None).DefaultTimeout();
        await using var stream = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();
        var lines = Channel.CreateUnbounded<LogLineInfo>();
        _ = stream.CopyOutputAsync(Stream.Null, Stream.Null, l => lines.Writer.TryWrite(l), null, CancellationToken.None);
        Assert.Equal("hello from " + first.Metadata.Name, (await lines.Reader.ReadAsync().AsTask().DefaultTimeout()).Line);

        await fixture.Cluster.Client.CoreV1.DeleteNamespacedPodAsync(first.Metadata.Name, "default", gracePeriodSeconds: 0).DefaultTimeout();
        var second = await fixture.Cluster.WaitForReadyPodAsync("app=talker", except: first.Metadata.Name);

        var next = await lines.Reader.ReadAsync().AsTask().DefaultTimeout();
        Assert.Equal(second.Metadata.Name, next.Pod);
        Assert.Equal("hello from " + second.Metadata.Name, next.Line);
    }

    private async Task<List<LogLineInfo>> ReadAllAsync(LogsStartRequest request)
    {
        var started = await fixture.Client.StartLogsAsync(request, CancellationToken.None).DefaultTimeout();
        await using var stream = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();
        var lines = new List<LogLineInfo>();
        var code = await stream.CopyOutputAsync(Stream.Null, Stream.Null, lines.Add, null, CancellationToken.None).DefaultTimeout();
        Assert.Equal(0, code);
        return lines;
    }
}
