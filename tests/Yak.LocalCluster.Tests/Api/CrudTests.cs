using System.Text.Json.Nodes;
using Yak.LocalCluster.Tests.Support;

namespace Yak.LocalCluster.Tests.Api;

public sealed class CrudTests
{
    private static JsonObject ConfigMap(string name, string value, JsonObject? labels = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["data"] = new JsonObject { ["k"] = value },
    };

    [Fact]
    public async Task Create_NewObject_GetsUidTimestampAndResourceVersion()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));

        Assert.Equal(201, status);
        var metadata = body!["metadata"]!;
        Assert.False(string.IsNullOrEmpty(metadata["uid"]?.GetValue<string>()));
        Assert.NotNull(metadata["creationTimestamp"]);
        Assert.Null(metadata["generation"]);
        Assert.True(long.Parse(metadata["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task Create_Twice_ReturnsAlreadyExistsStatus()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));
        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));

        Assert.Equal(409, status);
        Assert.Equal("Status", body!["kind"]!.GetValue<string>());
        Assert.Equal("AlreadyExists", body["reason"]!.GetValue<string>());
        Assert.Equal(409, body["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Get_Missing_ReturnsNotFoundStatus()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/nope");

        Assert.Equal(404, status);
        Assert.Equal("NotFound", body!["reason"]!.GetValue<string>());
        Assert.Equal("configmaps \"nope\" not found", body["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_StaleResourceVersion_ReturnsConflict()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (_, created) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));
        var first = created!.DeepClone();
        first["data"]!["k"] = "2";
        var (okStatus, updated) = await cluster.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/a", first);
        var stale = created.DeepClone();
        stale["data"]!["k"] = "3";
        var (conflictStatus, conflict) = await cluster.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/a", stale);

        Assert.Equal(200, okStatus);
        Assert.NotEqual(created["metadata"]!["resourceVersion"]!.GetValue<string>(), updated!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(409, conflictStatus);
        Assert.Equal("Conflict", conflict!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_SpecChange_BumpsGenerationButStatusWriteDoesNot()
    {
        await using var cluster = await TestCluster.StartAsync();
        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
             "spec":{"replicas":0,"selector":{"matchLabels":{"app":"d"}},
                     "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}
            """)!;
        await cluster.SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", deployment);
        var (_, patched) = await cluster.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/d",
            """{"spec":{"replicas":0,"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}}}""", "application/strategic-merge-patch+json");
        var (_, statusPatched) = await cluster.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/d/status",
            """{"status":{"observedGeneration":99}}""", "application/merge-patch+json");

        Assert.Equal(2, patched!["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(2, statusPatched!["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Delete_ConfigMap_ReturnsSuccessStatusAndObjectIsGone()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));
        var (status, body) = await cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/a");
        var (after, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/a");

        Assert.Equal(200, status);
        Assert.Equal("Success", body!["status"]!.GetValue<string>());
        Assert.Equal(404, after);
    }

    [Theory]
    [InlineData("tier=web", "a")]
    [InlineData("tier==web", "a")]
    [InlineData("tier!=web", "b,c")]
    [InlineData("tier in (web,db)", "a,b")]
    [InlineData("tier notin (web,db)", "c")]
    [InlineData("tier", "a,b")]
    [InlineData("!tier", "c")]
    [InlineData("tier,env=prod", "b")]
    public async Task List_LabelSelector_ReturnsMatchingObjects(string selector, string expected)
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1", new JsonObject { ["tier"] = "web" }));
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("b", "1", new JsonObject { ["tier"] = "db", ["env"] = "prod" }));
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("c", "1"));

        var (status, body) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?labelSelector=" + Uri.EscapeDataString(selector));

        Assert.Equal(200, status);
        Assert.Equal("ConfigMapList", body!["kind"]!.GetValue<string>());
        var names = body["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Order();
        Assert.Equal(expected, string.Join(',', names));
    }

    [Fact]
    public async Task List_MetadataNameFieldSelector_ReturnsOnlyThatObject()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("b", "1"));

        var (_, body) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/configmaps?fieldSelector=metadata.name%3Db");

        Assert.Equal("b", Assert.Single(body!["items"]!.AsArray())!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_JsonPatchAndMergePatch_ApplyToObject()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));
        await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/a",
            """[{"op":"add","path":"/data/j","value":"x"},{"op":"replace","path":"/data/k","value":"2"}]""", "application/json-patch+json");
        var (_, body) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/a",
            """{"data":{"j":null,"m":"3"}}""", "application/merge-patch+json; charset=utf-8");

        Assert.Equal("""{"k":"2","m":"3"}""", body!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task Patch_StrategicMerge_MergesContainersByName()
    {
        await using var cluster = await TestCluster.StartAsync();
        var pod = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
             "spec":{"containers":[{"name":"a","image":"busybox","env":[{"name":"X","value":"1"}]},{"name":"b","image":"alpine"}]}}
            """)!;
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", pod);
        var (status, body) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/p",
            """{"spec":{"containers":[{"name":"b","image":"alpine:3"},{"name":"a","env":[{"name":"Y","value":"2"}]}]}}""",
            "application/strategic-merge-patch+json");

        Assert.Equal(200, status);
        var containers = body!["spec"]!["containers"]!.AsArray();
        Assert.Equal(2, containers.Count);
        Assert.Equal("busybox", containers[0]!["image"]!.GetValue<string>());
        Assert.Equal("alpine:3", containers[1]!["image"]!.GetValue<string>());
        Assert.Equal(2, containers[0]!["env"]!.AsArray().Count);
    }

    [Fact]
    public async Task Patch_UnknownContentType_Returns415()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));
        var (status, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/a", "{}", "text/plain");

        Assert.Equal(415, status);
    }

    [Fact]
    public async Task Put_OnCollection_ReturnsMethodNotAllowed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps", ConfigMap("a", "1"));

        Assert.Equal(405, status);
        Assert.Equal("MethodNotAllowed", body!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_InvalidName_ReturnsInvalid()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("Not_Valid", "1"));

        Assert.Equal(422, status);
        Assert.Equal("Invalid", body!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_InMissingNamespace_ReturnsNotFound()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/nowhere/configmaps", ConfigMap("a", "1"));

        Assert.Equal(404, status);
        Assert.Contains("namespaces \"nowhere\" not found", body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_Namespace_GetsDefaultServiceAccount()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "team" } });
        var (status, _) = await cluster.SendAsync(HttpMethod.Get, "/api/v1/namespaces/team/serviceaccounts/default");

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Restart_SameStateFolder_KeepsObjectsAndResourceVersions()
    {
        using var state = new Yak.Testing.TempDirectory("yak-lc-");
        string rv;
        await using (var first = await TestCluster.StartAsync(state.Path))
        {
            var (_, created) = await first.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("kept", "1"));
            rv = created!["metadata"]!["resourceVersion"]!.GetValue<string>();
        }

        await using var second = await TestCluster.StartAsync(state.Path);
        var (status, body) = await second.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/kept");
        var (_, next) = await second.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("new", "1"));

        Assert.Equal(200, status);
        Assert.Equal(rv, body!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.True(long.Parse(next!["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >
                    long.Parse(rv, System.Globalization.CultureInfo.InvariantCulture));
    }
}
