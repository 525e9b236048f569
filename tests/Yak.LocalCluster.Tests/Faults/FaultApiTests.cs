using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Faults;

public sealed class FaultApiTests
{
    [Fact]
    public async Task Fail_NextTwoRequests_FailWithStatusThenRecover()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (armed, _) = await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/fail", new JsonObject { ["count"] = 2, ["status"] = 503 });

        var first = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        var second = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        var third = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces");

        Assert.Equal(200, armed);
        Assert.Equal(503, first.Status);
        Assert.Equal("ServiceUnavailable", first.Body!["reason"]!.GetValue<string>());
        Assert.Equal(503, second.Status);
        Assert.Equal(200, third.Status);
    }

    [Fact]
    public async Task Latency_Set_DelaysRequestsAndAdminApiStaysFast()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/latency", new JsonObject { ["milliseconds"] = 300 });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await cluster.SendAsync(HttpMethod.Get, "/version");
        var delayed = watch.Elapsed;
        var (_, state) = await cluster.SendAsync(HttpMethod.Get, "/local-cluster/faults");
        await cluster.SendAsync(HttpMethod.Delete, "/local-cluster/faults");

        Assert.True(delayed >= TimeSpan.FromMilliseconds(290), $"request took {delayed}");
        Assert.Equal(300, state!["latencyMilliseconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task Unresponsive_Refuse_CutsConnectionsUntilCleared()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/unresponsive", new JsonObject { ["seconds"] = 30, ["mode"] = "refuse" });

        await Assert.ThrowsAsync<HttpRequestException>(() => cluster.Http.GetAsync("/api/v1/namespaces")).DefaultTimeout();
        await cluster.SendAsync(HttpMethod.Delete, "/local-cluster/faults");
        var (status, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces");

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Unresponsive_Hang_HoldsRequestUntilWindowEnds()
    {
        await using var cluster = await TestCluster.StartAsync();
        // The window opens when the fault is set, so it is timed from there: a request sent late on a busy machine is
        // still held until the same end.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/unresponsive", new JsonObject { ["seconds"] = 1, ["mode"] = "hang" });

        var (status, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces");

        Assert.Equal(200, status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"answered after {watch.Elapsed}");
    }

    [Fact]
    public async Task DropStreams_OpenWatch_IsCutAndRuntimeStreamsDropped()
    {
        await using var cluster = await TestCluster.StartAsync();
        var list = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default").DefaultTimeout();
        using var response = await cluster.Http.GetAsync(
            $"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={list.Metadata.ResourceVersion}",
            HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();

        var (_, dropped) = await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/drop-streams");
        var ended = await Record.ExceptionAsync(async () =>
        {
            var buffer = new byte[256];
            while (await body.ReadAsync(buffer).DefaultTimeout() > 0)
            {
            }
        });

        Assert.Equal(1, dropped!["watches"]!.GetValue<int>());
        Assert.Equal(1, cluster.Runtime.Dropped);
        Assert.True(ended is null or IOException or HttpRequestException, $"unexpected: {ended}");
    }

    [Fact]
    public async Task Kill_RunningContainer_IsForwardedToRuntime()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
        }, "default").DefaultTimeout();
        await cluster.EventuallyAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("p", "default"), p => p.Status?.PodIP is not null, "the pod to run").DefaultTimeout();

        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/kill", new JsonObject { ["namespace"] = "default", ["pod"] = "p", ["container"] = "main" });
        var (missing, _) = await cluster.SendAsync(HttpMethod.Post, "/local-cluster/faults/kill", new JsonObject { ["pod"] = "nope", ["container"] = "main" });

        Assert.Equal(200, status);
        Assert.True(body!["killed"]!.GetValue<bool>());
        Assert.Equal("default/p/main", Assert.Single(cluster.Runtime.Killed));
        Assert.Equal(404, missing);
    }
}
