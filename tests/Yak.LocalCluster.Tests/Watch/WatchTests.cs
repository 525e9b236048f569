using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Yak.Kube.Watching;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Watch;

public sealed class WatchTests
{
    private static V1ConfigMap ConfigMap(string name, string value, string tier = "web") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["tier"] = tier } },
        Data = new Dictionary<string, string> { ["k"] = value },
    };

    [Fact]
    public async Task Watch_StreamReader_SeesAddedModifiedDeleted()
    {
        await using var cluster = await TestCluster.StartAsync();
        var list = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default").DefaultTimeout();
        using var cts = new CancellationTokenSource();
        var events = new List<(WatchEventKind, string)>();
        var reader = Task.Run(async () =>
        {
            await foreach (var (type, cm) in WatchStream.WatchAsync<V1ConfigMap>(cluster.Client, "api/v1/namespaces/default/configmaps", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                events.Add((type, cm.Data?["k"] ?? ""));
                if (type == WatchEventKind.Deleted)
                {
                    return;
                }
            }
        });

        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "1"), "default").DefaultTimeout();
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"2"}}""", V1Patch.PatchType.MergePatch), "a", "default").DefaultTimeout();
        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("a", "default").DefaultTimeout();
        await reader.DefaultTimeout();

        Assert.Equal([(WatchEventKind.Added, "1"), (WatchEventKind.Modified, "2"), (WatchEventKind.Deleted, "2")], events);
    }

    [Fact]
    public async Task Watch_LabelSelector_ObjectLeavingSelectionIsDeletedForWatcher()
    {
        await using var cluster = await TestCluster.StartAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "1"), "default").DefaultTimeout();
        var events = new List<WatchEventKind>();
        var reader = Task.Run(async () =>
        {
            await foreach (var (type, _) in WatchStream.WatchAsync<V1ConfigMap>(cluster.Client, "api/v1/namespaces/default/configmaps", labelSelector: "tier=web", resourceVersion: created.Metadata.ResourceVersion))
            {
                events.Add(type);
                if (events.Count == 2)
                {
                    return;
                }
            }
        });

        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"tier":"db"}}}""", V1Patch.PatchType.MergePatch), "a", "default").DefaultTimeout();
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"tier":"web"}}}""", V1Patch.PatchType.MergePatch), "a", "default").DefaultTimeout();
        await reader.DefaultTimeout();

        Assert.Equal([WatchEventKind.Deleted, WatchEventKind.Added], events);
    }

    [Fact]
    public async Task Watch_TooOldResourceVersion_GetsExpiredErrorEvent()
    {
        await using var cluster = await TestCluster.StartAsync(watchHistory: 3);
        var first = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "0"), "default").DefaultTimeout();
        for (var i = 1; i <= 5; i++)
        {
            await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"k\":\"" + i + "\"}}", V1Patch.PatchType.MergePatch), "a", "default").DefaultTimeout();
        }

        using var response = await cluster.Http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={first.Metadata.ResourceVersion}").DefaultTimeout();
        var line = (await response.Content.ReadAsStringAsync().DefaultTimeout()).Split('\n')[0];
        var evt = JsonNode.Parse(line)!;

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("ERROR", evt["type"]!.GetValue<string>());
        Assert.Equal(410, evt["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", evt["object"]!["reason"]!.GetValue<string>());
        Assert.StartsWith("too old resource version", evt["object"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_StreamReader_TooOldResourceVersionRaisesKubernetesException()
    {
        await using var cluster = await TestCluster.StartAsync(watchHistory: 2);
        var first = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "0"), "default").DefaultTimeout();
        for (var i = 1; i <= 4; i++)
        {
            await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"k\":\"" + i + "\"}}", V1Patch.PatchType.MergePatch), "a", "default").DefaultTimeout();
        }

        Exception? error = null;
        var seen = 0;
        async Task ReadAll()
        {
            await foreach (var _ in WatchStream.WatchAsync<V1ConfigMap>(cluster.Client, "api/v1/namespaces/default/configmaps", resourceVersion: first.Metadata.ResourceVersion, onError: e => error = e))
            {
                seen++;
            }
        }

        await ReadAll().DefaultTimeout();

        Assert.Equal(0, seen);
        Assert.Equal(410, Assert.IsType<KubernetesException>(error).Status.Code);
    }

    [Fact]
    public async Task Watch_SendInitialEvents_Returns422SoClientsFallBack()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Get,
            "/api/v1/namespaces/default/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");

        Assert.Equal(422, status);
        Assert.Equal("Invalid", body!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_NoResourceVersion_StartsWithSyntheticAddedEvents()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "1"), "default").DefaultTimeout();

        using var response = await cluster.Http.GetAsync("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1").DefaultTimeout();
        var lines = (await response.Content.ReadAsStringAsync().DefaultTimeout()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var added = Assert.Single(lines, l => JsonNode.Parse(l)!["object"]!["metadata"]!["name"]!.GetValue<string>() == "a");
        Assert.Equal("ADDED", JsonNode.Parse(added)!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_AllowWatchBookmarks_SendsBookmarkWithCurrentResourceVersion()
    {
        await using var cluster = await TestCluster.StartAsync(bookmarkInterval: TimeSpan.FromMilliseconds(100));
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "1"), "default").DefaultTimeout();

        using var response = await cluster.Http.GetAsync(
            $"/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion={created.Metadata.ResourceVersion}",
            HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync().DefaultTimeout());
        var line = JsonNode.Parse((await reader.ReadLineAsync().DefaultTimeout())!)!;

        Assert.Equal("BOOKMARK", line["type"]!.GetValue<string>());
        Assert.Equal("ConfigMap", line["object"]!["kind"]!.GetValue<string>());
        var bookmark = long.Parse(line["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(bookmark >= long.Parse(created.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture), $"bookmark {bookmark} is behind the watch start");
    }
}
