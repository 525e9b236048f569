using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>The documented fallback without namespaces (not root, not Linux): host network, mount paths rewritten.</summary>
public sealed class HostFallbackTests
{
    [Fact]
    public async Task RunPod_WithoutNamespaces_MountPathRewrittenToVolumeFolder()
    {
        await using var host = await StreamTestHost.StartAsync(o => o.UseNamespaces = false);
        var mount = Path.Combine(host.StateDirectory, "mnt", "data");
        var app = TestPods.Shell("app", $"echo written > {mount}/out.txt; exec sleep 1000");
        app.VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = mount }];
        app.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["test", "-s", $"{mount}/out.txt"] }, PeriodSeconds = 1 };
        var pod = TestPods.Pod("fallback", app);
        pod.Spec.Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }];

        await host.RunReadyAsync(pod);
        var status = await host.Status.WaitReadyAsync("fallback");

        Assert.False(host.Runtime.UsesNamespaces);
        Assert.Equal("127.0.0.1", status.PodIP);
        var folder = Path.Combine(host.StateDirectory, "pods", pod.Metadata.Uid, "volumes", "data");
        Assert.Equal("written\n", await File.ReadAllTextAsync(Path.Combine(folder, "out.txt")).DefaultTimeout());
        Assert.False(Directory.Exists(mount), "without a mount namespace nothing may be created at the mount path");
    }

    [Fact]
    public async Task ExecAndPortForward_WithoutNamespaces_ReachHostProcess()
    {
        await using var host = await StreamTestHost.StartAsync(o => o.UseNamespaces = false);
        var port = FreePort();
        var app = TestPods.Shell("app", $"exec python3 -m http.server {port} --bind 127.0.0.1 --directory /");
        app.ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = port }, PeriodSeconds = 1 };
        await host.RunReadyAsync(TestPods.Pod("fallback-net", app));
        string? stdout = null;

        var exitCode = await host.Client.NamespacedPodExecAsync("fallback-net", "default", "app", ["sh", "-c", "echo $HOSTNAME"], false, async (_, output, _) =>
        {
            stdout = await new StreamReader(output).ReadToEndAsync();
        }, CancellationToken.None).DefaultTimeout();
        using var socket = await host.Client.WebSocketNamespacedPodPortForwardAsync("fallback-net", "default", [port], "v4.channel.k8s.io").DefaultTimeout();
        using var demuxer = new StreamDemuxer(socket, StreamType.PortForward);
        demuxer.Start();
        using var stream = demuxer.GetStream((byte?)0, (byte?)0);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n")).DefaultTimeout();

        Assert.Equal(0, exitCode);
        Assert.Equal("fallback-net\n", stdout);
        Assert.StartsWith("HTTP/1.0 200", await ExecTests.ReadUntilAsync(stream, "\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopPod_WithoutNamespaces_KillsWhatTheContainerLeftBehind()
    {
        await using var host = await StreamTestHost.StartAsync(o => o.UseNamespaces = false);
        var fifo = Path.Combine(host.StateDirectory, "child.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync().DefaultTimeout();
        }

        // The container's background child is the fifo's only writer: cat, its reader, ends when the child dies.
        using var reader = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", [fifo]) { RedirectStandardOutput = true })!;
        try
        {
            // Ready once the child holds the fifo (its marker is written after the redirection is open).
            var marker = Path.Combine(host.StateDirectory, "child-started");
            var app = TestPods.Shell("app", $"sh -c 'touch {marker}; exec sleep 1000' > {fifo} & exec sleep 1000");
            app.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["test", "-f", marker] }, PeriodSeconds = 1 };
            var pod = TestPods.Pod("fallback-group", app);
            await host.RunReadyAsync(pod);

            await host.Runtime.StopPodAsync(pod.Metadata.Uid, TimeSpan.FromSeconds(5), CancellationToken.None).DefaultTimeout();

            await reader.WaitForExitAsync().DefaultTimeout();
        }
        finally
        {
            if (!reader.HasExited)
            {
                reader.Kill();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
