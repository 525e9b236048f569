using System.Globalization;
using Yak.Kube.Environments;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Kube.Tests.Environments;

/// <summary>Short commands in a pod's container, through the local cluster's exec WebSocket.</summary>
public sealed class PodCommandsTests
{
    [Fact]
    public async Task ExecAsync_ManyCommands_ExitCodesAndErrorsWithNoConnectionLeftOpen()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("commands"));

        for (var i = 0; i < 20; i++)
        {
            var (exit, error) = await PodCommands.ExecAsync(
                cluster.Connection, "default", pod.Metadata.Name, "app", ["sh", "-c", $"echo out; echo refused {i} >&2; exit 3"], CancellationToken.None).DefaultTimeout();
            Assert.Equal(3, exit);
            Assert.Equal($"refused {i}", error);
        }

        // Each exec is its own WebSocket connection: it closes when the command ends, not when a finalizer runs
        // (the REST calls above keep at most a few pooled connections).
        Assert.InRange(OpenConnectionsTo(new Uri(cluster.Connection.Server).Port), 0, 4);
    }

    [Fact]
    public async Task ReadAsync_OutputLongerThanTheCap_KeepsTheCapAndDrainsTheRest()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        var pod = await cluster.RunReadyAsync(LocalClusterFixture.SidecarPod("reader"));

        var (exit, output) = await PodCommands.ReadAsync(
            cluster.Connection, "default", pod.Metadata.Name, "app", ["sh", "-c", "yes abcdefg | head -c 200000; exit 5"], 1000, CancellationToken.None).DefaultTimeout();

        Assert.Equal(5, exit);
        Assert.Equal(1000, output.Length);
        Assert.StartsWith("abcdefg\nabcdefg\n", output, StringComparison.Ordinal);
    }

    /// <summary>This process's TCP connections to <paramref name="port"/> in ESTABLISHED state (proc(5): /proc/net/tcp, fds as socket:[inode]).</summary>
    private static int OpenConnectionsTo(int port)
    {
        var mine = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                mine.Add(target["socket:[".Length..^1]);
            }
        }

        var remote = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        var count = 0;
        foreach (var table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[2].EndsWith(remote, StringComparison.Ordinal) && fields[3] == "01" && mine.Contains(fields[9]))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
