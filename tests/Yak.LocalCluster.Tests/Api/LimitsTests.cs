using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Storage;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Api;

/// <summary>Bad or greedy input is refused with a Status and the server lives on: YAML aliases, depth, size, slow watchers, too many watches, path names.</summary>
public sealed class LimitsTests
{
    [Theory]
    [InlineData("&a {x: *a}")]
    [InlineData("a: &a [lol, lol]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n")]
    [InlineData("metadata: &m {name: x}\nspec: *m\n")]
    public async Task Post_YamlWithAliases_Is422AndServerLives(string yaml)
    {
        await using var cluster = await TestCluster.StartAsync();

        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", yaml, "application/yaml");
        var (ready, _) = await ReadyzAsync(cluster);

        Assert.Equal(422, status);
        Assert.Equal("Status", (string?)body!["kind"]);
        Assert.Contains("YAML a", (string?)body["message"], StringComparison.Ordinal);
        Assert.Equal(200, ready);
    }

    [Theory]
    [InlineData("application/json", "[", "]")]
    [InlineData("application/json", "{\"a\":", "}")]
    [InlineData("application/yaml", "[", "]")]
    [InlineData("application/merge-patch+json", "{\"a\":", "}")]
    public async Task Send_NestedTenThousandDeep_IsRefusedWithStatusAndServerLives(string contentType, string open, string close)
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "deep" } });
        var deep = string.Concat(Enumerable.Repeat(open, 10_000)) + string.Concat(Enumerable.Repeat(close, 10_000));
        var method = contentType.Contains("patch", StringComparison.Ordinal) ? HttpMethod.Patch : HttpMethod.Post;
        var path = method == HttpMethod.Patch ? "/api/v1/namespaces/default/configmaps/deep" : "/api/v1/namespaces/default/configmaps";

        var (status, body) = await cluster.SendAsync(method, path, deep, contentType);
        var (ready, _) = await ReadyzAsync(cluster);

        Assert.True(status is 400 or 422, $"answered {status}: {body}");
        Assert.Equal("Status", (string?)body!["kind"]);
        Assert.Equal(200, ready);
    }

    [Fact]
    public async Task Post_BodyOver3MiB_Is413Status()
    {
        await using var cluster = await TestCluster.StartAsync();
        var big = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "big" }, ["data"] = new JsonObject { ["x"] = new string('x', 3 * 1024 * 1024) } };

        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", big);
        var (missing, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/big");

        Assert.Equal(413, status);
        Assert.Equal("RequestEntityTooLarge", (string?)body!["reason"]);
        Assert.Equal(404, missing);
    }

    [Fact]
    public async Task Watch_ClientStopsReading_ClosedWith410AndQueueReleased()
    {
        await using var cluster = await TestCluster.StartAsync(watchHistory: 16, watchQueue: 32);
        var store = cluster.Host.Services.GetRequiredService<ObjectStore>();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "fat" } });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=300");
        using var watch = await cluster.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        Assert.Equal(1, store.ClientSubscriptions);

        // ~40 MB of events: far more than the socket buffers hold, so the watch's own queue fills while nobody reads.
        var payload = new string('x', 128 * 1024);
        for (var i = 0; i < 300 && store.ClientSubscriptions > 0; i++)
        {
            var (status, _) = await cluster.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/fat",
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = "fat" }, ["data"] = new JsonObject { ["v"] = payload + i } });
            Assert.Equal(200, status);
        }

        var dropped = store.ClientSubscriptions;
        var lines = await ReadLinesAsync(await watch.Content.ReadAsStreamAsync().DefaultTimeout());

        Assert.Equal(0, dropped);
        var last = JsonNode.Parse(lines[^1])!;
        Assert.Equal("ERROR", (string?)last["type"]);
        Assert.Equal(410, (int?)last["object"]!["code"]);
    }

    [Fact]
    public async Task Watch_OverPerUserCap_Is429WithRetryAfterAndFreedOnClose()
    {
        await using var cluster = await TestCluster.StartAsync(maxWatchesPerUser: 2);
        const string path = "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=300";
        using var first = await cluster.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path.Replace("300", "1", StringComparison.Ordinal)), HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var second = await cluster.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();

        using var third = await cluster.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var refusal = JsonNode.Parse(await third.Content.ReadAsStringAsync().DefaultTimeout())!;

        // The first watch ends by its own timeout; its slot is free once its response is complete.
        await (await first.Content.ReadAsStreamAsync().DefaultTimeout()).CopyToAsync(Stream.Null).DefaultTimeout();
        using var fourth = await cluster.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.Equal("TooManyRequests", (string?)refusal["reason"]);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"../../etc","image":"busybox"}""", "[]", "spec.containers[0].name")]
    [InlineData("""{"name":"c","image":"busybox","volumeMounts":[{"name":"v","mountPath":"/v","subPath":"a/../../x"}]}""", """[{"name":"v","emptyDir":{}}]""", "spec.containers[0].volumeMounts[0].subPath")]
    [InlineData("""{"name":"c","image":"busybox","volumeMounts":[{"name":"v","mountPath":"/v","subPath":"/etc"}]}""", """[{"name":"v","emptyDir":{}}]""", "spec.containers[0].volumeMounts[0].subPath")]
    [InlineData("""{"name":"c","image":"busybox"}""", """[{"name":"V/..","emptyDir":{}}]""", "spec.volumes[0].name")]
    [InlineData("""{"name":"c","image":"busybox"}""", """[{"name":"v","persistentVolumeClaim":{"claimName":"../claim"}}]""", "spec.volumes[0].persistentVolumeClaim.claimName")]
    public async Task CreatePod_NameThatWouldBuildAPath_Is422NamingTheField(string container, string volumes, string field)
    {
        await using var cluster = await TestCluster.StartAsync();
        var pod = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[""" + container + "],\"volumes\":" + volumes + "}}";

        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", pod);

        Assert.Equal(422, status);
        Assert.Contains(field + ": ", (string?)body!["message"], StringComparison.Ordinal);
        Assert.Empty(cluster.Runtime.Running);
    }

    [Fact]
    public async Task CreateDeployment_TemplateContainerNameWithSlash_Is422()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string deployment = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"x/y","image":"busybox"}]}}}}""";

        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", deployment);

        Assert.Equal(422, status);
        Assert.Contains("spec.template.spec.containers[0].name", (string?)body!["message"], StringComparison.Ordinal);
    }

    private static async Task<(int Status, string Body)> ReadyzAsync(TestCluster cluster)
    {
        using var response = await cluster.Http.GetAsync(new Uri("/readyz", UriKind.Relative)).DefaultTimeout();
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync().DefaultTimeout());
    }

    private static async Task<List<string>> ReadLinesAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        while (await reader.ReadLineAsync().DefaultTimeout() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
