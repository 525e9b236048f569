using System.Net.WebSockets;
using System.Text;
using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>Exec and attach through KubernetesClient (v4.channel.k8s.io).</summary>
public sealed class ExecTests
{
    private static V1Pod SleepPod(string name) => TestPods.Pod(name, TestPods.Shell("app", "exec sleep 1000"));

    [Fact]
    public async Task NamespacedPodExecAsync_NonZeroExit_ReturnsExitCodeAndBothStreams()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(SleepPod("exec-exit"));
        string? stdout = null, stderr = null;

        var exitCode = await host.Client.NamespacedPodExecAsync("exec-exit", "default", "app", ["sh", "-c", "echo to-out; echo to-err >&2; exit 3"], false, async (_, output, error) =>
        {
            stdout = await new StreamReader(output).ReadToEndAsync();
            stderr = await new StreamReader(error).ReadToEndAsync();
        }, CancellationToken.None).DefaultTimeout();

        Assert.Equal(3, exitCode);
        Assert.Equal("to-out\n", stdout);
        Assert.Equal("to-err\n", stderr);
    }

    [Fact]
    public async Task NamespacedPodExecAsync_Stdin_ReachesTheCommand()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(SleepPod("exec-stdin"));
        string? stdout = null;

        var exitCode = await host.Client.NamespacedPodExecAsync("exec-stdin", "default", "app", ["sh", "-c", "read line; echo \"got:$line\""], false, async (input, output, _) =>
        {
            await input.WriteAsync(Encoding.UTF8.GetBytes("hello\n"));
            await input.FlushAsync();
            stdout = await new StreamReader(output).ReadToEndAsync();
        }, CancellationToken.None).DefaultTimeout();

        Assert.Equal(0, exitCode);
        Assert.Equal("got:hello\n", stdout);
    }

    [Fact]
    public async Task WebSocketExec_EightMegabytesThroughCat_ComeBackIntact()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(SleepPod("exec-binary"));
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(8 * 1024 * 1024);

        // Like the sync link (framed binary over an exec's stdin and stdout), with the v4 protocol.
        using var socket = await host.Client.WebSocketNamespacedPodExecAsync("exec-binary", "default", ["head", "-c", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)], "app", stderr: true, stdin: true, stdout: true, tty: false).DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket);
        demuxer.Start();
        using var stdin = demuxer.GetStream(null, ChannelIndex.StdIn);
        using var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        var writing = Task.Run(async () =>
        {
            for (var offset = 0; offset < data.Length; offset += 64 * 1024)
            {
                await stdin.WriteAsync(data.AsMemory(offset, Math.Min(64 * 1024, data.Length - offset)));
            }
        });
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (received.Length < data.Length)
        {
            var n = await stdout.ReadAsync(buffer).DefaultTimeout();
            Assert.True(n > 0, $"stdout ended after {received.Length} bytes");
            received.Write(buffer, 0, n);
        }

        await writing.DefaultTimeout();
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task MuxedStreamNamespacedPodExecAsync_RunsInThePodsMountNamespace()
    {
        await using var host = await StreamTestHost.StartAsync();
        var mount = Path.Combine(host.StateDirectory, "mnt", "data");
        var pod = TestPods.Pod("exec-mount", TestPods.Shell("app", $"echo from-volume > {mount}/file.txt; exec sleep 1000"));
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = mount }];
        pod.Spec.Containers[0].ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["test", "-s", $"{mount}/file.txt"] }, PeriodSeconds = 1 };
        pod.Spec.Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }];
        await host.RunReadyAsync(pod);

        using var demuxer = await host.Client.MuxedStreamNamespacedPodExecAsync("exec-mount", "default", ["cat", $"{mount}/file.txt"], "app", cancellationToken: CancellationToken.None).DefaultTimeout();
        demuxer.Start();
        using var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        var text = await ReadUntilAsync(stdout, "\n");

        // This overload always asks for a tty: the line ends in CRLF.
        Assert.Equal("from-volume", text.TrimEnd());
    }

    [Fact]
    public async Task WebSocketExec_TtyWithResize_RunsUnderAPtyOfThatSize()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(SleepPod("exec-tty"));

        using var socket = await host.Client.WebSocketNamespacedPodExecAsync("exec-tty", "default", ["sh", "-c", "read go; tty; stty size"], "app", stderr: false, stdin: true, stdout: true, tty: true).DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket);
        demuxer.Start();
        using var stdin = demuxer.GetStream(null, ChannelIndex.StdIn);
        using var resize = demuxer.GetStream(null, ChannelIndex.Resize);
        using var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        await resize.WriteAsync(Encoding.UTF8.GetBytes("{\"Width\":100,\"Height\":40}\n")).DefaultTimeout();
        await stdin.WriteAsync(Encoding.UTF8.GetBytes("go\r")).DefaultTimeout();

        var text = await ReadUntilAsync(stdout, "40 100");

        Assert.Contains("/dev/pts/", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketExecV5_StdinClosed_CommandSeesEndOfInput()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(SleepPod("exec-v5"));

        using var socket = await host.Client.WebSocketNamespacedPodExecAsync("exec-v5", "default", ["sh", "-c", "wc -c; echo end"], "app", stderr: true, stdin: true, stdout: true, tty: false, webSocketSubProtocol: WebSocketProtocol.V5BinaryWebsocketProtocol).DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket, StreamType.RemoteCommand, ownsSocket: false, supportsClose: true);
        demuxer.Start();
        using var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        using (var stdin = demuxer.GetStream(null, ChannelIndex.StdIn))
        {
            await stdin.WriteAsync(Encoding.UTF8.GetBytes("12345")).DefaultTimeout();
        }

        Assert.Equal("5\nend\n", await ReadUntilAsync(stdout, "end\n"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NamespacedPodExecAsync_ContainerEnds_CommandIsKilledWithIt(bool podStopped)
    {
        // A container that ends takes its execs with it (on Kubernetes they share its PID namespace). A crash leaves
        // the pod's sandbox up, and a stopped pod's sandbox goes only after its containers: an exec that outlived
        // its container would go on writing into the old volumes meanwhile.
        await using var host = await StreamTestHost.StartAsync();
        var pod = await host.RunReadyAsync(SleepPod("exec-orphan"));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exec = host.Client.NamespacedPodExecAsync("exec-orphan", "default", "app", ["sh", "-c", "echo started; exec sleep 1000"], false, async (_, output, _) =>
        {
            var reader = new StreamReader(output);
            if (await reader.ReadLineAsync() == "started")
            {
                started.TrySetResult();
            }

            await reader.ReadToEndAsync();
        }, CancellationToken.None);
        await started.Task.DefaultTimeout();

        if (podStopped)
        {
            await host.Runtime.StopPodAsync(pod.Metadata.Uid, TimeSpan.Zero, CancellationToken.None).DefaultTimeout();
        }
        else
        {
            Assert.True(host.Runtime.KillContainer("default", "exec-orphan", "app"));
        }

        Assert.Equal(137, await exec.DefaultTimeout());
    }

    [Fact]
    public async Task WebSocketExec_UnknownContainer_FailsWithStatus()
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(SleepPod("exec-missing"));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Client.WebSocketNamespacedPodExecAsync("exec-missing", "default", ["true"], "nope")).DefaultTimeout();

        Assert.True(error is WebSocketException or k8s.Autorest.HttpOperationException or k8s.KubernetesException, error.GetType().FullName);
    }

    [Fact]
    public async Task Attach_ContainerWithStdin_EchoesInputBack()
    {
        await using var host = await StreamTestHost.StartAsync();
        var app = TestPods.Shell("app", "while read line; do echo \"echo:$line\"; done");
        app.Stdin = true;
        await host.RunReadyAsync(TestPods.Pod("attach", app));

        using var socket = await host.Client.WebSocketNamespacedPodAttachAsync("attach", "default", "app", stderr: true, stdin: true, stdout: true, tty: false, webSocketSubProtocol: "v4.channel.k8s.io").DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket);
        demuxer.Start();
        using var stdin = demuxer.GetStream(null, ChannelIndex.StdIn);
        using var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        await stdin.WriteAsync(Encoding.UTF8.GetBytes("ping\n")).DefaultTimeout();

        Assert.Equal("echo:ping\n", await ReadUntilAsync(stdout, "\n"));
    }

    [Fact]
    public async Task Attach_TtyContainer_InteractiveShellAnswers()
    {
        await using var host = await StreamTestHost.StartAsync();
        var shell = new V1Container { Name = "shell", Image = "busybox", Command = ["sh"], Stdin = true, Tty = true };
        await host.RunReadyAsync(TestPods.Pod("attach-tty", shell));

        using var socket = await host.Client.WebSocketNamespacedPodAttachAsync("attach-tty", "default", "shell", stderr: false, stdin: true, stdout: true, tty: true, webSocketSubProtocol: "v4.channel.k8s.io").DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket);
        demuxer.Start();
        using var stdin = demuxer.GetStream(null, ChannelIndex.StdIn);
        using var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        await stdin.WriteAsync(Encoding.UTF8.GetBytes("echo sum-$((40+2)); tty\r")).DefaultTimeout();

        var text = await ReadUntilAsync(stdout, "/dev/pts/");

        Assert.Contains("sum-42", text, StringComparison.Ordinal);
    }

    internal static async Task<string> ReadUntilAsync(Stream stream, string marker)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer).DefaultTimeout();
            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return text.ToString();
    }
}
