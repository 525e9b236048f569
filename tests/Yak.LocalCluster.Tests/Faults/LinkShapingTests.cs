using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Yak.LocalCluster.Faults;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Faults;

/// <summary>
/// The link profile of the faults API, judged by the shaper's own schedule (bytes per window, planned delays), never
/// by a stopwatch: what it sent in any window never exceeds what the link carries, and every chunk waited its latency.
/// </summary>
public sealed class LinkShapingTests
{
    private const long FiftyMegabits = 50_000_000;

    private static async Task<JsonObject> SetLinkAsync(TestCluster cluster, long bitsPerSecond, int latencyMs, int jitterMs = 0)
    {
        using var response = await cluster.Http.PostAsJsonAsync(
            new Uri("/local-cluster/faults/link", UriKind.Relative),
            new { bandwidthBitsPerSecond = bitsPerSecond, latencyMilliseconds = latencyMs, jitterMilliseconds = jitterMs }).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        return (JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout()) as JsonObject)!;
    }

    private static async Task<JsonObject> LinkStatsAsync(TestCluster cluster)
    {
        var (_, state) = await cluster.SendAsync(HttpMethod.Get, "/local-cluster/faults");
        return state!["link"]!.AsObject();
    }

    /// <summary>The most a direction may release in one window: the rate over the window, one burst and one chunk.</summary>
    private static long WindowBound(long bitsPerSecond) =>
        (long)(bitsPerSecond / 8.0 * LinkShaper.Window.TotalSeconds) + new LinkProfile(bitsPerSecond, TimeSpan.Zero, TimeSpan.Zero).BurstBytes + LinkShaper.ChunkBytes;

    [Fact]
    public async Task Link50Mbit30ms_LargeTransfers_PacedAtTheLinkRateAndDelayedByTheLatency()
    {
        await using var cluster = await TestCluster.StartAsync();
        var described = await SetLinkAsync(cluster, FiftyMegabits, latencyMs: 30);
        var payload = new string('x', 800_000);

        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "big" }, Data = new Dictionary<string, string> { ["blob"] = payload } }, "default").DefaultTimeout();
        for (var i = 0; i < 3; i++)
        {
            var read = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("big", "default").DefaultTimeout();
            Assert.Equal(payload.Length, read.Data["blob"].Length);
        }

        var link = await LinkStatsAsync(cluster);
        var down = link["toClient"]!;
        var up = link["toServer"]!;

        Assert.Equal(FiftyMegabits, (long)described["link"]!["bandwidthBitsPerSecond"]!);
        Assert.True((long)down["bytes"]! >= 3 * 800_000, $"server → client carried {down["bytes"]} bytes");
        Assert.True((long)up["bytes"]! >= 800_000, $"client → server carried {up["bytes"]} bytes");
        // 2.4 MB at 6.25 MB/s cannot go at once: no 100 ms window of the schedule carried more than the link can.
        Assert.InRange((long)down["maxBytesPerWindow"]!, 1, WindowBound(FiftyMegabits));
        Assert.InRange((long)up["maxBytesPerWindow"]!, 1, WindowBound(FiftyMegabits));
        Assert.True((double)down["minDelayMilliseconds"]! >= 30, $"a chunk to the client waited only {down["minDelayMilliseconds"]} ms");
        Assert.True((double)up["minDelayMilliseconds"]! >= 30, $"a chunk to the server waited only {up["minDelayMilliseconds"]} ms");
    }

    [Fact]
    public async Task LinkCleared_Transfers_PassUnshapedAndUncounted()
    {
        await using var cluster = await TestCluster.StartAsync();
        await SetLinkAsync(cluster, FiftyMegabits, latencyMs: 30);

        var (clearedStatus, cleared) = await cluster.SendAsync(HttpMethod.Delete, "/local-cluster/faults/link");
        await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default").DefaultTimeout();
        var (_, state) = await cluster.SendAsync(HttpMethod.Get, "/local-cluster/faults");

        Assert.Equal(200, clearedStatus);
        Assert.Null(cleared!["link"]);
        Assert.Null(state!["link"]);
    }

    [Theory]
    [InlineData("""{"bandwidthBitsPerSecond":0,"latencyMilliseconds":30}""", "bandwidthBitsPerSecond")]
    [InlineData("""{"bandwidthBitsPerSecond":1000000,"latencyMilliseconds":-1}""", "latencyMilliseconds")]
    [InlineData("""{"bandwidthBitsPerSecond":1000000,"latencyMilliseconds":10,"jitterMilliseconds":20}""", "jitterMilliseconds")]
    public async Task Link_InvalidProfile_Refused400NamingTheField(string body, string field)
    {
        await using var cluster = await TestCluster.StartAsync();

        var (status, answer) = await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/link", body);

        Assert.Equal(400, status);
        Assert.Contains(field, (string?)answer!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_ExecStreams_ShapedInBothDirections()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        await kubectl.OkAsync("run", "shell", "--image=busybox", "--restart=Never", "--", "sleep", "300");
        await kubectl.OkAsync("wait", "--for=condition=Ready", "pod/shell", "--timeout=30s");
        await SetLinkAsync(cluster, 20_000_000, latencyMs: 10);
        var upload = new string('u', 300_000);

        var counted = await kubectl.RunWithStdinAsync(upload, "exec", "-i", "shell", "--", "wc", "-c");
        var downloaded = await kubectl.OkAsync("exec", "shell", "--", "head", "-c", "400000", "/dev/zero");
        var link = await LinkStatsAsync(cluster);

        Assert.True(counted.ExitCode == 0, counted.ToString());
        Assert.Equal("300000", counted.StandardOutput.Trim());
        Assert.Equal(400_000, downloaded.TrimEnd('\n').Length);
        Assert.True((long)link["toServer"]!["bytes"]! >= 300_000, $"client → server carried {link["toServer"]!["bytes"]}");
        Assert.True((long)link["toClient"]!["bytes"]! >= 400_000, $"server → client carried {link["toClient"]!["bytes"]}");
        Assert.InRange((long)link["toClient"]!["maxBytesPerWindow"]!, 1, WindowBound(20_000_000));
        Assert.InRange((long)link["toServer"]!["maxBytesPerWindow"]!, 1, WindowBound(20_000_000));
        Assert.True((double)link["toClient"]!["minDelayMilliseconds"]! >= 10);
    }
}
