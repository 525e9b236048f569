using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

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
    public async Task Apis_ListsAppsBatchAndRbacGroups()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (_, body) = await cluster.SendAsync(HttpMethod.Get, "/apis");
        var (appsStatus, apps) = await cluster.SendAsync(HttpMethod.Get, "/apis/apps/v1");

        var groups = body!["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["apps", "batch", "rbac.authorization.k8s.io"], groups);
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

    [Fact]
    public async Task OpenApiV2_ProtobufAsked_ServesAnEmptySwaggerDocument()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        request.Headers.TryAddWithoutValidation("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");

        using var response = await cluster.Http.SendAsync(request).DefaultTimeout();
        var body = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        var (jsonStatus, json) = await cluster.SendAsync(HttpMethod.Get, "/openapi/v2");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", response.Content.Headers.ContentType!.MediaType);
        // Field 1 (swagger), length 3, "2.0".
        Assert.Equal([0x0A, 3, (byte)'2', (byte)'.', (byte)'0'], body[..5]);
        Assert.Equal(200, jsonStatus);
        Assert.Equal("2.0", json!["swagger"]!.GetValue<string>());
        Assert.Empty(json["definitions"]!.AsObject());
    }
}
