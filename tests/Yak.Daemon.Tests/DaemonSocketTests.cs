using System.Diagnostics;
using Yak.Client;
using Yak.Protocol;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>yakd over its real Unix socket: lifecycle, permissions, identity, single instance.</summary>
public sealed class DaemonSocketTests
{
    [Fact]
    public async Task Status_AfterHandshake_ReportsThisDaemon()
    {
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        await using var client = await daemon.ConnectAsync().DefaultTimeout();

        var status = await client.StatusAsync(CancellationToken.None).DefaultTimeout();

        Assert.Equal(daemon.Pid, status.Pid);
        Assert.Equal(sandbox.SocketPath, status.Socket);
        Assert.Equal("bound", status.ListenMode);
        Assert.Equal(ProtocolVersion.Current, status.ProtocolVersion);
        Assert.Equal(client.Hello.DaemonVersion, status.Version);
        Assert.StartsWith(sandbox.LogDirectory, status.LogPath, StringComparison.Ordinal);
        Assert.True(File.Exists(status.LogPath), $"log file {status.LogPath} should exist");
        // The start-up probe's connection may still be closing, so this one is at least counted.
        Assert.InRange(status.ConnectedClients, 1, 2);
    }

    [Fact]
    public async Task Socket_WhenListening_FolderIs0700AndSocketIs0600()
    {
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(sandbox.SocketPath)!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sandbox.SocketPath));
    }

    [Fact]
    public async Task Start_WhenSocketFolderIsTooOpen_TightensItTo0700()
    {
        using var sandbox = new YakSandbox();
        var folder = Path.GetDirectoryName(sandbox.SocketPath)!;
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b_111_111_111);

        await using var daemon = await DaemonProcess.StartAsync(sandbox);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }

    [Fact]
    public async Task Start_YakSocketInASharedFolder_RefusesAndLeavesTheFolderAlone()
    {
        // Like YAK_SOCKET=/tmp/yakd.sock: a folder yak did not create, open to everyone (sticky, 1777).
        using var sandbox = new YakSandbox();
        var shared = Path.Combine(sandbox.Root, "shared-tmp");
        Directory.CreateDirectory(shared);
        const UnixFileMode Sticky1777 = (UnixFileMode)0b_001_111_111_111;
        File.SetUnixFileMode(shared, Sticky1777);
        var info = DaemonProcess.StartInfo(sandbox);
        info.Environment["YAK_SOCKET"] = Path.Combine(shared, "yakd.sock");

        var result = await ProcessRunner.RunAsync(info).DefaultTimeout();

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("YAK_SOCKET", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(Sticky1777, File.GetUnixFileMode(shared));
        Assert.False(File.Exists(Path.Combine(shared, "yakd.sock")));
    }

    [Fact]
    public async Task SecondDaemon_WhileFirstRuns_RefusesWithAlreadyRunning()
    {
        using var sandbox = new YakSandbox();
        await using var first = await DaemonProcess.StartAsync(sandbox);

        var second = await ProcessRunner.RunAsync(DaemonProcess.StartInfo(sandbox)).DefaultTimeout();

        Assert.Equal(3, second.ExitCode);
        Assert.Contains("already running", second.StandardError, StringComparison.Ordinal);
        Assert.Contains($"pid {first.Pid}", second.StandardError, StringComparison.Ordinal);
        Assert.Contains("error YAK1012: ", second.StandardError, StringComparison.Ordinal);
        Assert.Contains("see: yakctl explain YAK1012", second.StandardError, StringComparison.Ordinal);
        await using var client = await first.ConnectAsync().DefaultTimeout();
        Assert.Equal(first.Pid, (await client.StatusAsync(CancellationToken.None).DefaultTimeout()).Pid);

        // The log file has one writer: the second yakd stopped before opening it (RollingLogFile takes no lock).
        var logs = Directory.GetFiles(sandbox.LogDirectory).Where(f => Yak.Daemon.Hosting.RollingLogFile.IsLogFileName(Path.GetFileName(f))).ToList();
        Assert.NotEmpty(logs);
        foreach (var log in logs)
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            Assert.DoesNotContain("already running", await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_AfterDaemonWasKilled_ReplacesStaleSocket()
    {
        using var sandbox = new YakSandbox();
        var killed = await DaemonProcess.StartAsync(sandbox);
        killed.KillHard();
        await killed.WaitForExitAsync().DefaultTimeout();
        await killed.DisposeAsync();
        Assert.True(File.Exists(sandbox.SocketPath), "a killed daemon leaves its socket behind");

        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        await using var client = await daemon.ConnectAsync().DefaultTimeout();

        Assert.Equal(daemon.Pid, (await client.StatusAsync(CancellationToken.None).DefaultTimeout()).Pid);
    }

    [Theory]
    [InlineData(DaemonProcess.SigTerm)]
    [InlineData(DaemonProcess.SigInt)]
    public async Task Signal_TermOrInt_StopsGracefullyAndRemovesSocket(int signal)
    {
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);

        daemon.Signal(signal);
        await daemon.WaitForExitAsync().DefaultTimeout();

        Assert.Equal(0, daemon.ExitCode);
        Assert.False(File.Exists(sandbox.SocketPath), "the socket should be removed on a graceful stop");
    }

    [Fact]
    public async Task Shutdown_ByRpc_ExitsAndRemovesSocket()
    {
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        await using (var client = await daemon.ConnectAsync().DefaultTimeout())
        {
            var response = await client.ShutdownAsync("test", CancellationToken.None).DefaultTimeout();
            Assert.Equal(daemon.Pid, response.Pid);
        }

        await daemon.WaitForExitAsync().DefaultTimeout();

        Assert.Equal(0, daemon.ExitCode);
        Assert.False(File.Exists(sandbox.SocketPath));
    }

    [Fact]
    public async Task Hello_WithUnsupportedProtocolVersion_IsRefusedClearly()
    {
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);

        var error = await Assert.ThrowsAsync<IncompatibleDaemonException>(
            () => DaemonClient.ConnectAsync(daemon.Endpoint, "future-client", CancellationToken.None, protocolVersion: ProtocolVersion.Current + 1)).DefaultTimeout();

        Assert.Contains($"protocol {ProtocolVersion.Current + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Update", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_FromAnotherUser_IsRefused()
    {
        Assert.True(CurrentUserIsRoot(), "this test switches to 'nobody' with setpriv and must run as root (CI does)");
        using var sandbox = new YakSandbox();
        await using var daemon = await DaemonProcess.StartAsync(sandbox);

        // 1. As created, nobody cannot even reach the socket (folder 0700).
        var blocked = await RunAsNobodyAsync(sandbox);
        Assert.Equal(3, blocked.ExitCode);
        Assert.Contains("permission denied", blocked.StandardError, StringComparison.OrdinalIgnoreCase);

        // 2. With the folder and socket opened up by mistake, nobody's yakctl refuses a folder that is not its own,
        //    and a raw client that skips that check is refused by the daemon's uid check: its hello gets no answer.
        File.SetUnixFileMode(sandbox.RuntimeDirectory, (UnixFileMode)0b_111_101_101);
        File.SetUnixFileMode(Path.GetDirectoryName(sandbox.SocketPath)!, (UnixFileMode)0b_111_101_101);
        File.SetUnixFileMode(sandbox.SocketPath, (UnixFileMode)0b_110_110_110);
        File.SetUnixFileMode(sandbox.Root, (UnixFileMode)0b_111_101_101);
        var yakctl = await RunAsNobodyAsync(sandbox);
        Assert.Equal(1, yakctl.ExitCode);
        Assert.Contains("belongs to uid 0", yakctl.StandardError, StringComparison.Ordinal);

        var raw = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/usr/bin/python3", "-c", RawHello, sandbox.SocketPath])).DefaultTimeout();

        Assert.True(raw.ExitCode == 0, raw.ToString());
        Assert.Equal("answer: 0 bytes", raw.StandardOutput.Trim());
        File.SetUnixFileMode(Path.GetDirectoryName(sandbox.SocketPath)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var client = await daemon.ConnectAsync().DefaultTimeout();
        Assert.Equal(daemon.Pid, (await client.StatusAsync(CancellationToken.None).DefaultTimeout()).Pid);
        var log = await ReadLogAsync(sandbox);
        Assert.Contains("Refused a connection from uid 65534", log, StringComparison.Ordinal);
    }

    // Sends a hello as JSON-RPC and prints how much came back before the daemon closed the connection.
    private const string RawHello = """
        import json, socket, sys
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "daemon/hello", "params": {"clientName": "raw", "clientVersion": "0", "protocolVersion": 1}}).encode()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        s.connect(sys.argv[1])
        try:
            s.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        except OSError:
            pass
        received = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
        print("answer: %d bytes" % len(received))
        """;

    internal static bool CurrentUserIsRoot() => Yak.Protocol.Transport.CurrentUser.EffectiveUserId == 0;

    internal static async Task<string> ReadLogAsync(YakSandbox sandbox)
    {
        // Serilog flushes the file about once a second: read until the line shows up, bounded by the test timeout.
        var deadline = Stopwatch.StartNew();
        string text = string.Empty;
        while (deadline.Elapsed < TaskTimeoutExtensions.DefaultTimeoutSpan)
        {
            text = string.Join('\n', Directory.GetFiles(sandbox.LogDirectory, "yakd-*.log").Select(f =>
            {
                using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                return new StreamReader(s).ReadToEnd();
            }));
            if (text.Contains("Refused", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }

        return text;
    }

    private static Task<ProcessResult> RunAsNobodyAsync(YakSandbox sandbox)
    {
        var environment = sandbox.Environment(autostart: false);
        environment["HOME"] = "/tmp";
        environment["DOTNET_CLI_HOME"] = "/tmp";
        environment["XDG_STATE_HOME"] = "/tmp/yak-nobody-state";
        environment["YAK_SOCKET"] = sandbox.SocketPath;
        return ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            "setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", ProcessRunner.DotnetHost, ProcessRunner.BesideTests("yakctl.dll"), "daemon", "status"],
            environment));
    }
}
