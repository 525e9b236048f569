using System.Text;
using StreamJsonRpc;
using k8s;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Streams;

/// <summary>exec and attach through yakd: bytes on a side connection, exit codes from the pod's status channel.</summary>
public sealed class ExecStreamTests : IAsyncLifetime
{
    private StreamsFixture fixture = null!;

    public async Task InitializeAsync() => fixture = await StreamsFixture.StartAsync();

    public async Task DisposeAsync() => await fixture.DisposeAsync();

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("no-such-command-for-yak", 127)]
    public async Task Exec_Command_PassesTheExitCodeThrough(string script, int expected)
    {
        var (code, _, _) = await fixture.ExecAsync(["sh", "-c", script]);

        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task Exec_SecretArgumentAndKubeconfigToken_NeitherReachesTheLogButTheCommandNameDoes()
    {
        const string Secret = "pSECRET-yak-4f1c9";
        var kubeconfig = await File.ReadAllTextAsync(fixture.Target().Kubeconfig);
        var token = System.Text.RegularExpressions.Regex.Match(kubeconfig, @"token:\s*(\S+)").Groups[1].Value;
        Assert.True(token.Length >= 16, "the local cluster's kubeconfig carries a bearer token");
        var (ok, _, _) = await fixture.ExecAsync(["sh", "-c", "exit 0", "mysql", $"-{Secret}"]);
        var (missing, _, _) = await fixture.ExecAsync(["no-such-binary-for-yak", $"--password={Secret}", $"--token={token}"]);
        Assert.Equal(0, ok);
        Assert.Equal(127, missing);

        // A graceful stop flushes every log line written so far.
        await fixture.Client.ShutdownAsync("log check", CancellationToken.None).DefaultTimeout();
        await fixture.Daemon.WaitForExitAsync().DefaultTimeout();

        var logs = Directory.GetFiles(fixture.Sandbox.LogDirectory);
        Assert.NotEmpty(logs);
        var all = new StringBuilder();
        foreach (var log in logs)
        {
            all.Append(await File.ReadAllTextAsync(log));
        }

        var text = all.ToString();
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.DoesNotContain("client-key-data", text, StringComparison.Ordinal);
        Assert.Contains("no-such-binary-for-yak", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_MissingBinary_Exits127()
    {
        var (code, _, _) = await fixture.ExecAsync(["no-such-binary-for-yak"]);

        Assert.Equal(127, code);
    }

    [Fact]
    public async Task Exec_StdinPiped_ReachesTheCommandAndEnds()
    {
        var input = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n")));

        var (code, stdout, _) = await fixture.ExecAsync(["sh", "-c", "cat; echo done"], input);

        Assert.Equal(0, code);
        Assert.Equal(Encoding.UTF8.GetString(input) + "done\n", stdout);
    }

    [Fact]
    public async Task Exec_StdoutAndStderr_ArriveSeparately()
    {
        var (code, stdout, stderr) = await fixture.ExecAsync(["sh", "-c", "echo out; echo err >&2; exit 5"]);

        Assert.Equal(5, code);
        Assert.Equal("out\n", stdout);
        Assert.Equal("err\n", stderr);
    }

    [Fact]
    public async Task Exec_BySelector_RunsInAReadyPod()
    {
        var (code, stdout, _) = await fixture.ExecAsync(["sh", "-c", "echo $HOSTNAME"], target: fixture.Target(selector: "app=shell"));

        Assert.Equal(0, code);
        Assert.Equal(StreamsFixture.ShellPod + "\n", stdout);
    }

    [Fact]
    public async Task Exec_Tty_ReportsTheSizeSetByResize()
    {
        var started = await fixture.Client.StartExecAsync(
            new ExecStartRequest { Target = fixture.Target(), Command = ["sh", "-c", "read go; stty size"], Tty = true, Stdin = true, InSyncRoot = false },
            CancellationToken.None).DefaultTimeout();
        await using var stream = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();

        await stream.ResizeAsync(100, 40, CancellationToken.None).DefaultTimeout();
        await stream.WriteStdinAsync("go\r"u8.ToArray(), CancellationToken.None).DefaultTimeout();
        using var output = new MemoryStream();
        var code = await stream.CopyOutputAsync(output, output, null, null, CancellationToken.None).DefaultTimeout();

        Assert.Equal(0, code);
        Assert.Contains("40 100", Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_UnknownPod_FailsTheStartCall()
    {
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => fixture.Client.StartExecAsync(
            new ExecStartRequest { Target = fixture.Target(pod: "nope"), Command = ["true"], Tty = false, Stdin = false, InSyncRoot = false },
            CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ErrorCodes.NotFound, error.ErrorCode);
    }

    [Fact]
    public async Task Exec_UnknownContainer_FailsTheStartCallNamingTheContainers()
    {
        var target = fixture.Target();
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => fixture.Client.StartExecAsync(
            new ExecStartRequest
            {
                Target = new StreamTargetInfo
                {
                    Environment = target.Environment,
                    Service = target.Service,
                    Namespace = target.Namespace,
                    Selector = target.Selector,
                    Pod = target.Pod,
                    Container = "nope",
                    Kubeconfig = target.Kubeconfig,
                    Context = target.Context,
                },
                Command = ["true"],
                Tty = false,
                Stdin = false,
                InSyncRoot = false,
            },
            CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ErrorCodes.NotFound, error.ErrorCode);
        Assert.Contains("containers: app", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_PodDeletedBeforeTheClaim_EndsWithAnErrorFrameAndNoExitCode()
    {
        await fixture.Cluster.RunReadyAsync(new k8s.Models.V1Pod
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "short-lived" },
            Spec = new k8s.Models.V1PodSpec { Containers = [new k8s.Models.V1Container { Name = "app", Image = "busybox", Command = ["sh", "-c", "exec sleep 100000"] }] },
        });
        var started = await fixture.Client.StartExecAsync(
            new ExecStartRequest { Target = fixture.Target(pod: "short-lived"), Command = ["true"], Tty = false, Stdin = false, InSyncRoot = false },
            CancellationToken.None).DefaultTimeout();
        await fixture.Cluster.Client.CoreV1.DeleteNamespacedPodAsync("short-lived", "default", gracePeriodSeconds: 0).DefaultTimeout();
        await using var stream = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();
        var errors = new List<string>();

        var code = await stream.CopyOutputAsync(Stream.Null, Stream.Null, null, errors.Add, CancellationToken.None).DefaultTimeout();

        Assert.Equal(-1, code);
        Assert.Contains("short-lived", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamsAttach_TokenUsedTwice_IsRefusedTheSecondTime()
    {
        var started = await fixture.Client.StartExecAsync(
            new ExecStartRequest { Target = fixture.Target(), Command = ["true"], Tty = false, Stdin = false, InSyncRoot = false },
            CancellationToken.None).DefaultTimeout();
        await using (var first = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout())
        {
            Assert.Equal(0, await first.CopyOutputAsync(Stream.Null, Stream.Null, null, null, CancellationToken.None).DefaultTimeout());
        }

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ErrorCodes.NotFound, error.ErrorCode);
    }

    [Fact]
    public async Task Exec_WhileStreaming_MainConnectionKeepsAnswering()
    {
        var started = await fixture.Client.StartExecAsync(
            new ExecStartRequest { Target = fixture.Target(), Command = ["sh", "-c", "read x; echo got $x"], Tty = false, Stdin = true, InSyncRoot = false },
            CancellationToken.None).DefaultTimeout();
        await using var stream = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();

        var status = await fixture.Client.StatusAsync(CancellationToken.None).DefaultTimeout();
        await stream.WriteStdinAsync("hi\n"u8.ToArray(), CancellationToken.None).DefaultTimeout();
        using var output = new MemoryStream();
        var code = await stream.CopyOutputAsync(output, Stream.Null, null, null, CancellationToken.None).DefaultTimeout();

        Assert.True(status.ConnectedClients >= 2);
        Assert.Equal(0, code);
        Assert.Equal("got hi\n", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task Attach_TtyContainer_AnswersAtTheSetSizeAndKeepsRunningAfterDetach()
    {
        await fixture.Cluster.RunReadyAsync(new k8s.Models.V1Pod
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "console" },
            Spec = new k8s.Models.V1PodSpec { Containers = [new k8s.Models.V1Container { Name = "app", Image = "busybox", Command = ["sh"], Stdin = true, Tty = true }] },
        });
        var started = await fixture.Client.StartAttachAsync(
            new AttachStartRequest { Target = fixture.Target(pod: "console"), Tty = true, Stdin = true },
            CancellationToken.None).DefaultTimeout();
        Assert.Equal("app", started.Container);

        await using (var stream = await DaemonStream.OpenAsync(fixture.Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout())
        {
            await stream.ResizeAsync(90, 20, CancellationToken.None).DefaultTimeout();
            await stream.WriteStdinAsync("stty size\r"u8.ToArray(), CancellationToken.None).DefaultTimeout();
            var seen = new StringBuilder();
            while (!seen.ToString().Contains("20 90", StringComparison.Ordinal))
            {
                var frame = await stream.ReadFrameAsync(CancellationToken.None).AsTask().DefaultTimeout();
                Assert.NotNull(frame);
                Assert.Equal(StreamFrames.Stdout, frame.Value.Type);
                seen.Append(Encoding.UTF8.GetString(frame.Value.Payload));
            }
        }

        // Detaching (closing the side connection) leaves the container's process alone.
        var answer = await fixture.ExecAsync(["sh", "-c", "echo still here"], target: fixture.Target(pod: "console"));
        Assert.Equal((0, "still here\n"), (answer.Code, answer.Stdout));
        var pod = await fixture.Cluster.Client.CoreV1.ReadNamespacedPodAsync("console", "default").DefaultTimeout();
        Assert.Equal(0, pod.Status.ContainerStatuses.Single().RestartCount);
    }
}
