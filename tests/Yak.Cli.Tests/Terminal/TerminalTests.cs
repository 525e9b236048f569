using System.Diagnostics;
using System.Runtime.InteropServices;
using k8s;
using Yak.Client;
using Yak.Kube.Watching;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Cli.Tests.Terminal;

/// <summary>yakctl's interactive behaviour as a user meets it: driven through a real pseudo-terminal, or through pipes.</summary>
public sealed class TerminalTests(TerminalFixture fixture) : IClassFixture<TerminalFixture>
{
    [Fact]
    public async Task Exec_CtrlC_Exits130WithoutAStackTrace()
    {
        await using var yakctl = fixture.StartOnTerminal(["exec", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct, "--", "sh", "-c", "echo started; exec sleep 30"]);
        await yakctl.WaitForTextAsync("started");

        yakctl.Type("\u0003");

        Assert.Equal(130, await yakctl.WaitForExitAsync());
        AssertNoStackTrace(yakctl.Screen);
    }

    [Fact]
    public async Task Exec_Sigterm_Exits143WithoutAStackTrace()
    {
        await using var yakctl = fixture.StartOnTerminal(["exec", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct, "--", "sh", "-c", "echo started; exec sleep 30"]);
        await yakctl.WaitForTextAsync("started");

        yakctl.Signal(PosixSignal.SIGTERM);

        Assert.Equal(143, await yakctl.WaitForExitAsync());
        AssertNoStackTrace(yakctl.Screen);
    }

    [Fact]
    public async Task LogsFollow_CtrlC_Exits130()
    {
        await using var yakctl = fixture.StartOnTerminal(["logs", "-f", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct]);
        await yakctl.WaitForTextAsync("sleeper-up");

        yakctl.Type("\u0003");

        Assert.Equal(130, await yakctl.WaitForExitAsync());
        AssertNoStackTrace(yakctl.Screen);
    }

    [Fact]
    public async Task Shell_OnATerminal_RawWhileRunningFollowsResizeAndRestoresTheTerminal()
    {
        await using var yakctl = fixture.StartOnTerminal(["shell", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct]);
        Assert.True(yakctl.Modes.Echo, "the terminal starts cooked");
        yakctl.Type("echo ready-$((40+2))\r");
        await yakctl.WaitForTextAsync("ready-42");
        Assert.Equal((false, false), yakctl.Modes);

        yakctl.Resize(101, 33);
        // The new size travels yakctl → yakd → the cluster → the container's terminal: the shell waits for it to land.
        yakctl.Type("while [ \"$(stty size)\" != \"33 101\" ]; do sleep 0.05; done; echo resized-$((30+3))\r");
        await yakctl.WaitForTextAsync("resized-33");
        yakctl.Type("exit 3\r");

        Assert.Equal(3, await yakctl.WaitForExitAsync());
        Assert.Equal((true, true), yakctl.Modes);
    }

    [Fact]
    public async Task Attach_ContainerWithATerminal_CtrlPCtrlQDetachesAndRestoresTheTerminal()
    {
        await using var yakctl = fixture.StartOnTerminal(["attach", "pod/" + TerminalFixture.TtyPod, .. fixture.Direct]);
        await yakctl.WaitForTextAsync("Ctrl-P Ctrl-Q detaches");
        yakctl.Type("echo attached-$((6*7))\r");
        await yakctl.WaitForTextAsync("attached-42");
        Assert.Equal((false, false), yakctl.Modes);

        yakctl.Type("\u0010\u0011");

        Assert.Equal(0, await yakctl.WaitForExitAsync());
        Assert.Contains("detached", yakctl.Screen, StringComparison.Ordinal);
        Assert.Equal((true, true), yakctl.Modes);
    }

    [Fact]
    public async Task Attach_ContainerWithoutATerminal_LeavesTheTerminalCookedAndCtrlCEndsIt()
    {
        await using var yakctl = fixture.StartOnTerminal(["attach", "pod/" + TerminalFixture.LinesPod, .. fixture.Direct]);
        await yakctl.WaitForTextAsync("(no terminal)");
        Assert.Equal((true, true), yakctl.Modes);
        yakctl.Type("hello\r");
        await yakctl.WaitForTextAsync("got hello");

        yakctl.Type("\u0003");

        Assert.Equal(130, await yakctl.WaitForExitAsync());
        AssertNoStackTrace(yakctl.Screen);
    }

    [Fact]
    public async Task Shell_StdinFromDevNull_ReturnsAtOnce()
    {
        var result = await RunWithStdinAsync(null, ["shell", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Shell_StdinAPipe_RunsItsCommandsWithoutATerminal()
    {
        var result = await RunWithStdinAsync("tty || echo no-tty\nexit 4\n", ["shell", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct]);

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("no-tty", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecTty_StdinAPipe_RunsWithoutATerminalAndSaysSo()
    {
        var result = await RunWithStdinAsync("line\n", ["exec", "-t", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct, "--", "sh", "-c", "read l; echo \"$l\"; tty || true"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("not a tty", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("input is not a terminal", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_StdinAPipe_SendsItsLinesWithoutATerminal()
    {
        await using var yakctl = fixture.StartOnTerminal(["attach", "pod/" + TerminalFixture.LinesPod, .. fixture.Direct]);
        await yakctl.WaitForTextAsync("Ctrl-P Ctrl-Q detaches");

        // A second attach from a pipe: its line reaches the same process, whose answer the terminal one shows.
        var piped = StartWithStdin(["attach", "pod/" + TerminalFixture.LinesPod, .. fixture.Direct]);
        await piped.StandardInput.WriteLineAsync("from-a-pipe");
        await piped.StandardInput.FlushAsync();
        await yakctl.WaitForTextAsync("got from-a-pipe");
        piped.Kill(entireProcessTree: true);
        await piped.WaitForExitAsync().DefaultTimeout();
    }

    [Fact]
    public async Task Exec_MissingExecutable_SaysSoAsAContainerRuntimeWould()
    {
        await using var yakctl = fixture.StartOnTerminal(["exec", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct, "--", "no-such-program-for-yak"]);

        Assert.NotEqual(0, await yakctl.WaitForExitAsync());
        Assert.Contains("exec: \"no-such-program-for-yak\": executable file not found in $PATH", yakctl.Screen, StringComparison.Ordinal);
        Assert.DoesNotContain("nsenter", yakctl.Screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_YakdKilledMidCommand_SaysYakdStoppedWithAHint()
    {
        await using var yakctl = fixture.StartOnTerminal(["exec", "pod/" + TerminalFixture.SleeperPod, .. fixture.Direct, "--", "sh", "-c", "echo started; exec sleep 30"]);
        await yakctl.WaitForTextAsync("started");

        foreach (var pid in fixture.Sandbox.RunningDaemonPids())
        {
            using var daemon = Process.GetProcessById(pid);
            daemon.Kill();
        }

        Assert.Equal(3, await yakctl.WaitForExitAsync());
        Assert.Contains("yakd stopped before this command finished", yakctl.Screen, StringComparison.Ordinal);
        Assert.Contains("fix: 'yakctl daemon logs'", yakctl.Screen, StringComparison.Ordinal);
        AssertNoStackTrace(yakctl.Screen);
    }

    [Fact]
    public async Task Up_CtrlC_Exits130SaysSoAndTheEnvironmentComesUpWithoutTheClient()
    {
        // A sandbox of its own whose yakd reaches the cluster through KUBECONFIG, as a user's would.
        using var sandbox = new YakSandbox();
        using var folder = new TempDirectory("yak-up-ctrlc-");
        // Host-tool images see the host's /tmp: a gate name of this run only, removed at the end.
        var gatePath = $"/tmp/yak-gate-{Guid.NewGuid():N}";
        var environment = sandbox.Environment();
        environment["KUBECONFIG"] = fixture.Cluster.Host.KubeconfigPath;
        File.WriteAllText(
            Path.Combine(folder.Path, "yak.yaml"),
            $"name: ctrlc\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    readiness:\n      exec: [test, -f, {gatePath}]\n      periodSeconds: 1\n");
        try
        {
            await using (var yakctl = PtyProcess.Start(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), "up", "-f", folder.Path], environment))
            {
                // The service cannot get ready until the gate exists: up is still watching when Ctrl+C comes.
                await yakctl.WaitForTextAsync("app");

                yakctl.Type("\u0003");

                Assert.Equal(130, await yakctl.WaitForExitAsync());
                Assert.Contains("stopped watching; yakd keeps bringing the environment to its desired state", yakctl.Screen, StringComparison.Ordinal);
                AssertNoStackTrace(yakctl.Screen);
            }

            await using var client = await DaemonClient.ConnectAsync(DaemonEndpoint.Resolve(name => environment.GetValueOrDefault(name)), "yak-tests", CancellationToken.None).DefaultTimeout();
            var changed = new SemaphoreSlim(0);
            client.EventReceived += (_, _) => changed.Release();
            await client.SubscribeAsync([EventTopics.Environment], CancellationToken.None).DefaultTimeout();
            // A pod turning Running while not yet ready changes no environment state: watch the pods themselves.
            var running = await RunningPodAsync(fixture.Cluster.Client, (await StatusAsync(client)).Namespace).DefaultTimeout();

            var gate = await RunAsync(environment, "exec", "-e", "ctrlc", "pod/" + running, "--", "touch", gatePath);
            Assert.True(gate.ExitCode == 0, gate.ToString());

            // No user action from here: the supervisor sees the pod turn ready and the environment up.
            while ((await StatusAsync(client)).State != EnvironmentState.Up)
            {
                await changed.WaitAsync().DefaultTimeout();
            }

            Assert.Equal(0, (await RunAsync(environment, "exec", "-e", "ctrlc", "pod/" + running, "--", "rm", "-f", gatePath)).ExitCode);
        }
        finally
        {
            foreach (var pid in sandbox.RunningDaemonPids())
            {
                using var daemon = Process.GetProcessById(pid);
                daemon.Kill();
            }
        }
    }

    private static async Task<string> RunningPodAsync(IKubernetes kube, string ns)
    {
        while (true)
        {
            var pods = await kube.CoreV1.ListNamespacedPodAsync(ns);
            var running = pods.Items.FirstOrDefault(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null);
            if (running is not null)
            {
                return running.Metadata.Name;
            }

            // From the list's version on, so no change between the list and the watch is missed; a closed watch lists again.
            await foreach (var (_, pod) in WatchStream.WatchAsync<k8s.Models.V1Pod>(kube, $"api/v1/namespaces/{ns}/pods", resourceVersion: pods.Metadata.ResourceVersion, timeoutSeconds: 60))
            {
                if (pod.Status?.Phase == "Running" && pod.Metadata.DeletionTimestamp is null)
                {
                    return pod.Metadata.Name;
                }
            }
        }
    }

    private static async Task<EnvironmentInfo> StatusAsync(DaemonClient client) =>
        Assert.Single((await client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = "ctrlc", SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout()).Environments);

    private static Task<ProcessResult> RunAsync(Dictionary<string, string?> environment, params string[] arguments) =>
        ProcessRunner.RunAsync(ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. arguments], environment), TimeSpan.FromSeconds(120));

    private static void AssertNoStackTrace(string screen)
    {
        Assert.DoesNotContain("Unhandled exception", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", screen, StringComparison.Ordinal);
    }

    private Process StartWithStdin(string[] arguments)
    {
        var info = ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. arguments], fixture.Sandbox.Environment());
        return Process.Start(info) ?? throw new InvalidOperationException("yakctl did not start");
    }

    /// <summary>yakctl with <paramref name="stdin"/> on a pipe (null: /dev/null), output captured.</summary>
    private async Task<ProcessResult> RunWithStdinAsync(string? stdin, string[] arguments)
    {
        using var process = StartWithStdin(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().DefaultTimeout();
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"yakctl {string.Join(' ', arguments)} did not end: stdin's end did not end it.\n{await stdout}\n{await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
