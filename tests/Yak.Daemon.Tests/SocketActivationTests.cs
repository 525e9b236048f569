using System.Diagnostics;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>
/// systemd socket activation without systemd: a launcher binds the socket, puts it at fd 3 and execs yakd with
/// LISTEN_FDS=1 and LISTEN_PID=its own pid, exactly as systemd does for yakd.socket.
/// </summary>
public sealed class SocketActivationTests
{
    private const string Launcher = """
        import os, socket, sys
        path = sys.argv[1]
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        listener.bind(path)
        os.umask(old)
        listener.listen(16)
        if listener.fileno() != 3:
            os.dup2(listener.fileno(), 3)
        os.set_inheritable(3, True)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.execvp(sys.argv[2], sys.argv[2:])
        """;

    [Fact]
    public async Task Start_WithListenFds_ServesTheHandedOverSocket()
    {
        using var sandbox = new YakSandbox();
        var info = ProcessRunner.StartInfo(
            "python3",
            ["-c", Launcher, sandbox.SocketPath, .. YakdUnderTest.CommandLine, "--background"],
            sandbox.Environment());
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // The socket exists before yakd runs: connecting may succeed early and wait in the backlog, as under systemd.
            var client = await ConnectWhenReadyAsync(sandbox, process).DefaultTimeout();
            await using (client)
            {
                var status = await client.StatusAsync(CancellationToken.None).DefaultTimeout();

                Assert.Equal("systemd", status.ListenMode);
                Assert.Equal(process.Id, status.Pid);
                Assert.Equal(sandbox.SocketPath, status.Socket);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task Start_WithListenPidOfAnotherProcess_BindsItsOwnSocket()
    {
        using var sandbox = new YakSandbox();
        var environment = sandbox.Environment();
        environment["LISTEN_FDS"] = "1";
        environment["LISTEN_PID"] = "1";
        var info = YakdUnderTest.StartInfo(["--background"], environment);
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await using var client = await ConnectWhenReadyAsync(sandbox, process).DefaultTimeout();
            var status = await client.StatusAsync(CancellationToken.None).DefaultTimeout();

            Assert.Equal("bound", status.ListenMode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().DefaultTimeout();
        }
    }

    private static async Task<Yak.Client.DaemonClient> ConnectWhenReadyAsync(YakSandbox sandbox, Process process)
    {
        while (true)
        {
            Assert.False(process.HasExited, $"yakd exited early; logs in {sandbox.LogDirectory}");
            try
            {
                return await Yak.Client.DaemonClient.ConnectAsync(DaemonProcess.EndpointFor(sandbox), "yak-tests", CancellationToken.None);
            }
            catch (Yak.Client.DaemonUnavailableException)
            {
                await Task.Delay(20);
            }
        }
    }
}
