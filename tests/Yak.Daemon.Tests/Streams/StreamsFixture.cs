using k8s.Models;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Streams;

/// <summary>A local cluster with a long-running shell pod, and a sandboxed yakd with a handshaken client.</summary>
internal sealed class StreamsFixture : IAsyncDisposable
{
    public const string ShellPod = "shell";

    private StreamsFixture(LocalClusterFixture cluster, YakSandbox sandbox, DaemonProcess daemon, DaemonClient client)
    {
        Cluster = cluster;
        Sandbox = sandbox;
        Daemon = daemon;
        Client = client;
    }

    public LocalClusterFixture Cluster { get; }

    public YakSandbox Sandbox { get; }

    public DaemonProcess Daemon { get; }

    public DaemonClient Client { get; }

    public static async Task<StreamsFixture> StartAsync(bool withShellPod = true)
    {
        var cluster = await LocalClusterFixture.StartAsync();
        var sandbox = new YakSandbox();
        DaemonProcess? daemon = null;
        try
        {
            if (withShellPod)
            {
                await cluster.RunReadyAsync(new V1Pod
                {
                    Metadata = new V1ObjectMeta { Name = ShellPod, Labels = new Dictionary<string, string> { ["app"] = ShellPod } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox", Command = ["sh", "-c", "echo one; echo two; echo three; exec sleep 100000"] }] },
                });
            }

            daemon = await DaemonProcess.StartAsync(sandbox);
            var client = await daemon.ConnectAsync().DefaultTimeout();
            return new StreamsFixture(cluster, sandbox, daemon, client);
        }
        catch
        {
            if (daemon is not null)
            {
                await daemon.DisposeAsync();
            }

            sandbox.Dispose();
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>An explicit target (no environment): a pod, or a selector, on the local cluster.</summary>
    public StreamTargetInfo Target(string pod = ShellPod, string selector = "") => new()
    {
        Environment = string.Empty,
        Service = string.Empty,
        Namespace = "default",
        Selector = selector,
        Pod = selector.Length > 0 ? string.Empty : pod,
        Container = string.Empty,
        Kubeconfig = Cluster.Host.KubeconfigPath,
        Context = "yak-local",
    };

    /// <summary>Runs <paramref name="command"/> through yakd: exit code, stdout, stderr.</summary>
    public async Task<(int Code, string Stdout, string Stderr)> ExecAsync(IReadOnlyList<string> command, byte[]? stdin = null, StreamTargetInfo? target = null)
    {
        var started = await Client.StartExecAsync(
            new ExecStartRequest { Target = target ?? Target(), Command = command, Tty = false, Stdin = stdin is not null, InSyncRoot = false },
            CancellationToken.None).DefaultTimeout();
        await using var stream = await DaemonStream.OpenAsync(Daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();
        var input = stdin is null ? Task.CompletedTask : stream.PumpStdinAsync(new MemoryStream(stdin), CancellationToken.None);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var errors = new List<string>();
        var code = await stream.CopyOutputAsync(stdout, stderr, null, errors.Add, CancellationToken.None).DefaultTimeout();
        await input.DefaultTimeout();
        Assert.Empty(errors);
        return (code, System.Text.Encoding.UTF8.GetString(stdout.ToArray()), System.Text.Encoding.UTF8.GetString(stderr.ToArray()));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Daemon.DisposeAsync();
        Sandbox.Dispose();
        await Cluster.DisposeAsync();
    }
}
