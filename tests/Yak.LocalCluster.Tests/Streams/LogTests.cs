using System.Text;
using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>Container logs through KubernetesClient: current, previous, tail, timestamps, follow, dropped streams.</summary>
public sealed class LogTests
{
    [Fact]
    public async Task ReadLog_TailAndTimestamps_LastLinesWithRfc3339Prefix()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(TestPods.Pod("logs", TestPods.Shell("app", "echo one; echo two; echo three; exec sleep 1000")));
        await using (var follow = await host.Client.CoreV1.ReadNamespacedPodLogAsync("logs", "default", follow: true).DefaultTimeout())
        {
            await ExecTests.ReadUntilAsync(follow, "three\n");
        }

        var all = await ReadAllAsync(await host.Client.CoreV1.ReadNamespacedPodLogAsync("logs", "default").DefaultTimeout());
        var tail = await ReadAllAsync(await host.Client.CoreV1.ReadNamespacedPodLogAsync("logs", "default", tailLines: 2).DefaultTimeout());
        var stamped = await ReadAllAsync(await host.Client.CoreV1.ReadNamespacedPodLogAsync("logs", "default", timestamps: true, sinceSeconds: 3600).DefaultTimeout());

        Assert.Equal("one\ntwo\nthree\n", all);
        Assert.Equal("two\nthree\n", tail);
        var lines = stamped.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.True(DateTimeOffset.TryParse(line.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out _), line));
        Assert.EndsWith(" three", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadLog_Previous_ShowsTheRunBeforeTheRestart()
    {
        await using var host = await StreamTestHost.StartAsync();
        var counter = Path.Combine(host.StateDirectory, "mnt", "count");
        var app = TestPods.Shell("app", $"n=$(cat {counter}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}/n; echo \"run $n\"; [ $n -ge 2 ] && exec sleep 1000; exit 1");
        app.VolumeMounts = [new V1VolumeMount { Name = "count", MountPath = counter }];
        var pod = TestPods.Pod("restarted", app);
        pod.Spec.Volumes = [new V1Volume { Name = "count", EmptyDir = new V1EmptyDirVolumeSource() }];

        await host.RunAsync(pod);
        await host.Status.WaitForAsync("restarted", s => s.ContainerStatuses?.FirstOrDefault() is { RestartCount: 1, Ready: true });
        await using (var follow = await host.Client.CoreV1.ReadNamespacedPodLogAsync("restarted", "default", follow: true).DefaultTimeout())
        {
            // The second run is up; wait until it has written its line.
            await ExecTests.ReadUntilAsync(follow, "run 2\n");
        }

        var current = await ReadAllAsync(await host.Client.CoreV1.ReadNamespacedPodLogAsync("restarted", "default").DefaultTimeout());
        var previous = await ReadAllAsync(await host.Client.CoreV1.ReadNamespacedPodLogAsync("restarted", "default", previous: true).DefaultTimeout());

        Assert.Equal("run 2\n", current);
        Assert.Equal("run 1\n", previous);
    }

    [Fact]
    public async Task ReadLog_Follow_DeliversLinesAppendedLater()
    {
        await using var host = await StreamTestHost.StartAsync();
        var trigger = Path.Combine(host.StateDirectory, "go");
        await host.RunReadyAsync(TestPods.Pod("follow", TestPods.Shell("app", $"echo first; while [ ! -f {trigger} ]; do sleep 0.05; done; echo second; exec sleep 1000")));
        await using var follow = await host.Client.CoreV1.ReadNamespacedPodLogAsync("follow", "default", follow: true).DefaultTimeout();

        Assert.Equal("first\n", await ExecTests.ReadUntilAsync(follow, "first\n"));
        await File.WriteAllTextAsync(trigger, "go").DefaultTimeout();
        Assert.Equal("second\n", await ExecTests.ReadUntilAsync(follow, "second\n"));
    }

    [Fact]
    public async Task ReadLog_OutputWithoutNewline_DeliveredAtOnceAndJoined()
    {
        await using var host = await StreamTestHost.StartAsync();
        var trigger = Path.Combine(host.StateDirectory, "go");
        await host.RunReadyAsync(TestPods.Pod("prompt", TestPods.Shell("app", $"printf 'prompt> '; while [ ! -f {trigger} ]; do sleep 0.05; done; echo answered; exec sleep 1000")));
        await using var follow = await host.Client.CoreV1.ReadNamespacedPodLogAsync("prompt", "default", follow: true).DefaultTimeout();

        Assert.Equal("prompt> ", await ExecTests.ReadUntilAsync(follow, "> "));
        await File.WriteAllTextAsync(trigger, "go").DefaultTimeout();
        Assert.Equal("answered\n", await ExecTests.ReadUntilAsync(follow, "\n"));
        var all = await ReadAllAsync(await host.Client.CoreV1.ReadNamespacedPodLogAsync("prompt", "default").DefaultTimeout());
        Assert.Equal("prompt> answered\n", all);
    }

    [Fact]
    public async Task DropAllStreams_OpenFollow_EndsTheStream()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(TestPods.Pod("dropped", TestPods.Shell("app", "echo hello; exec sleep 1000")));
        await using var follow = await host.Client.CoreV1.ReadNamespacedPodLogAsync("dropped", "default", follow: true).DefaultTimeout();
        await ExecTests.ReadUntilAsync(follow, "hello\n");

        Assert.Equal(1, host.Runtime.DropAllStreams());
        var ended = await Record.ExceptionAsync(async () =>
        {
            var buffer = new byte[100];
            while (await follow.ReadAsync(buffer).DefaultTimeout() > 0)
            {
            }
        });

        Assert.True(ended is null or IOException or HttpRequestException, ended?.ToString());
    }

    private static async Task<string> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync().DefaultTimeout();
        }
    }
}
