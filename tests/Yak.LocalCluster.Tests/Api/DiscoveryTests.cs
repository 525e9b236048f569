using Yak.LocalCluster.Tests.Support;

namespace Yak.LocalCluster.Tests.Api;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task ApiV1_ListsPodsWithSubresourcesAndVerbs()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body) = await cluster.SendAsync(HttpMethod.Get, "/api/v1");

        Assert.Equal(200, status);
        var names = body!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("pods", names);
        Assert.Contains("pods/exec", names);
        Assert.Contains("pods/portforward", names);
        Assert.Contains("namespaces", names);
    }

    [Fact]
    public async Task Apis_ListsAppsAndRbacGroups()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (_, body) = await cluster.SendAsync(HttpMethod.Get, "/apis");
        var (appsStatus, apps) = await cluster.SendAsync(HttpMethod.Get, "/apis/apps/v1");

        var groups = body!["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["apps", "rbac.authorization.k8s.io"], groups);
        Assert.Equal(200, appsStatus);
        Assert.Contains(apps!["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "deployments/scale");
    }

    [Fact]
    public async Task OpenApiV3_PatchOperationsDeclareFieldValidation()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (_, root) = await cluster.SendAsync(HttpMethod.Get, "/openapi/v3");
        var url = root!["paths"]!["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var (_, document) = await cluster.SendAsync(HttpMethod.Get, url);

        var patch = document!["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"]!;
        Assert.Equal("Deployment", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
    }
}
