using System.Diagnostics;
using System.Net.Sockets;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>
/// yakctl speaks only to its own user's daemon: a socket whose folder another user owns or may write, or that
/// another uid serves, is refused before a byte is sent. The impostor is a real server running as nobody (65534).
/// </summary>
public sealed class SocketTrustTests
{
    private const uint Nobody = 65534;

    // Counts what each connection sent, one line per connection, in the order they were accepted.
    private const string ImpostorServer = """
        import socket, sys
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sys.argv[1])
        listener.listen(16)
        print("ready", flush=True)
        while True:
            connection, _ = listener.accept()
            connection.settimeout(30)
            received = 0
            try:
                while True:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    received += len(chunk)
            except socket.timeout:
                pass
            print("got", received, flush=True)
            connection.close()
        """;

    [Fact]
    public async Task Connect_WhenSocketFolderBelongsToAnotherUser_RefusesBeforeSending()
    {
        using var root = NobodyReachableFolder();
        var folder = root.Combine("impostor");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b_111_000_000);
        await ChownAsync(folder, Nobody);
        var socketPath = Path.Combine(folder, "yakd.sock");
        await using var impostor = await Impostor.StartAsync(socketPath);

        var result = await RunYakctlAsync(socketPath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"belongs to uid {Nobody}", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(await impostor.ConnectionsBeforeProbeAsync());
    }

    [Fact]
    public async Task Connect_WhenSocketFolderIsWritableByOthers_RefusesBeforeSending()
    {
        using var root = NobodyReachableFolder();
        var folder = root.Combine("open");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b_111_111_111);
        var socketPath = Path.Combine(folder, "yakd.sock");
        await using var impostor = await Impostor.StartAsync(socketPath);

        var result = await RunYakctlAsync(socketPath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is mode 0777", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"chmod 700 {folder}", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(await impostor.ConnectionsBeforeProbeAsync());
    }

    [Fact]
    public async Task Connect_WhenAnotherUserServesTheSocket_RefusesBeforeSending()
    {
        using var root = NobodyReachableFolder();
        var nobodysFolder = root.Combine("nobody");
        Directory.CreateDirectory(nobodysFolder);
        await ChownAsync(nobodysFolder, Nobody);
        var ours = root.Combine("ours");
        Directory.CreateDirectory(ours);
        File.SetUnixFileMode(ours, (UnixFileMode)0b_111_000_000);
        await using var impostor = await Impostor.StartAsync(Path.Combine(nobodysFolder, "yakd.sock"));
        // Our own private folder, but the socket in it is nobody's listener (moved in, as a stale or planted socket would be).
        var socketPath = Path.Combine(ours, "yakd.sock");
        File.Move(Path.Combine(nobodysFolder, "yakd.sock"), socketPath);
        impostor.SocketPath = socketPath;

        var result = await RunYakctlAsync(socketPath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"served by uid {Nobody}", result.StandardError, StringComparison.Ordinal);
        Assert.Equal([0], await impostor.ConnectionsBeforeProbeAsync());
    }

    private static TempDirectory NobodyReachableFolder()
    {
        Assert.True(DaemonSocketTests.CurrentUserIsRoot(), "these tests serve a socket as 'nobody' with setpriv and must run as root (CI does)");
        var folder = new TempDirectory("yt-");
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b_111_001_001);
        return folder;
    }

    private static async Task ChownAsync(string path, uint uid)
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("chown", [$"{uid}:{uid}", path]));
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static Task<ProcessResult> RunYakctlAsync(string socketPath)
    {
        using var sandbox = new YakSandbox();
        var environment = sandbox.Environment(autostart: false);
        environment["YAK_SOCKET"] = socketPath;
        return ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), "daemon", "status"], environment));
    }

    private sealed class Impostor : IAsyncDisposable
    {
        private readonly Process process;

        private Impostor(Process process, string socketPath)
        {
            this.process = process;
            SocketPath = socketPath;
        }

        public string SocketPath { get; set; }

        public static async Task<Impostor> StartAsync(string socketPath)
        {
            var info = ProcessRunner.StartInfo(
                "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/usr/bin/python3", "-c", ImpostorServer, socketPath]);
            var process = Process.Start(info)!;
            process.StandardInput.Close();
            var impostor = new Impostor(process, socketPath);
            try
            {
                if (await process.StandardOutput.ReadLineAsync().DefaultTimeout() is not "ready")
                {
                    throw new InvalidOperationException($"The impostor did not start: {await process.StandardError.ReadToEndAsync().DefaultTimeout()}");
                }
            }
            catch
            {
                await impostor.DisposeAsync();
                throw;
            }

            return impostor;
        }

        /// <summary>
        /// Connects as a probe and returns how many bytes each earlier connection sent: the server takes
        /// connections in order, so once the probe's line arrives every earlier connection has been counted.
        /// </summary>
        public async Task<IReadOnlyList<int>> ConnectionsBeforeProbeAsync()
        {
            var probe = "probe"u8.ToArray();
            using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath)).DefaultTimeout();
                await socket.SendAsync(probe).DefaultTimeout();
                socket.Shutdown(SocketShutdown.Send);
            }

            var before = new List<int>();
            while (await process.StandardOutput.ReadLineAsync().DefaultTimeout() is { } line)
            {
                var sent = int.Parse(line["got ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                if (sent == probe.Length)
                {
                    return before;
                }

                before.Add(sent);
            }

            throw new InvalidOperationException($"The impostor ended before counting the probe: {await process.StandardError.ReadToEndAsync().DefaultTimeout()}");
        }

        public async ValueTask DisposeAsync()
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().DefaultTimeout();
            process.Dispose();
        }
    }
}
