using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Auth;

/// <summary>The TokenRequest API and bound service-account tokens: RBAC by ServiceAccount subject, expiry by the server's clock, revocation by deleting the account.</summary>
public sealed class ServiceAccountTokenTests
{
    [Fact]
    public async Task TokenRequest_BoundToPodReader_TokenListsPodsRefusedExecAndExpiresByServerClock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(time: clock);
        await GrantPodReaderAsync(cluster, "guest");
        var issuedAt = clock.GetUtcNow();

        var (status, issued) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/guest/token",
            new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenRequest", ["spec"] = new JsonObject { ["expirationSeconds"] = 600 } });
        var token = issued?["status"]?["token"]?.GetValue<string>() ?? "";
        var list = await SendAsTokenAsync(cluster, token, HttpMethod.Get, "/api/v1/namespaces/default/pods");
        var secrets = await SendAsTokenAsync(cluster, token, HttpMethod.Get, "/api/v1/namespaces/default/secrets");
        var whoami = await SendAsTokenAsync(cluster, token, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}");
        clock.Advance(TimeSpan.FromSeconds(599));
        var beforeExpiry = await SendAsTokenAsync(cluster, token, HttpMethod.Get, "/api/v1/namespaces/default/pods");
        clock.Advance(TimeSpan.FromSeconds(2));
        var afterExpiry = await SendAsTokenAsync(cluster, token, HttpMethod.Get, "/api/v1/namespaces/default/pods");

        Assert.Equal(201, status);
        Assert.Equal("TokenRequest", issued?["kind"]?.GetValue<string>());
        Assert.Equal(600, issued?["spec"]?["expirationSeconds"]?.GetValue<long>());
        Assert.Equal(Storage.Meta.Timestamp(issuedAt.AddSeconds(600)), issued?["status"]?["expirationTimestamp"]?.GetValue<string>());
        Assert.Equal(200, list.Status);
        Assert.Equal(403, secrets.Status);
        Assert.Contains("User \"system:serviceaccount:default:guest\" cannot list resource \"secrets\"", JsonNode.Parse(secrets.Body)?["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("system:serviceaccount:default:guest", JsonNode.Parse(whoami.Body)?["status"]?["userInfo"]?["username"]?.GetValue<string>());
        Assert.Equal(200, beforeExpiry.Status);
        Assert.Equal(401, afterExpiry.Status);
    }

    [Fact]
    public async Task TokenRequest_ServiceAccountDeletedAndRecreated_OldTokenRefused()
    {
        await using var cluster = await TestCluster.StartAsync();
        await GrantPodReaderAsync(cluster, "guest");
        var (_, issued) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/guest/token", new JsonObject { ["spec"] = new JsonObject() });
        var token = issued?["status"]?["token"]?.GetValue<string>() ?? "";
        var before = await SendAsTokenAsync(cluster, token, HttpMethod.Get, "/api/v1/namespaces/default/pods");

        var (deleted, _) = await cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/serviceaccounts/guest");
        var afterDelete = await SendAsTokenAsync(cluster, token, HttpMethod.Get, "/api/v1/namespaces/default/pods");
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "guest" } });
        var afterRecreate = await SendAsTokenAsync(cluster, token, HttpMethod.Get, "/api/v1/namespaces/default/pods");
        var tampered = await SendAsTokenAsync(cluster, token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA"), HttpMethod.Get, "/api/v1/namespaces/default/pods");

        Assert.Equal(3600, issued?["spec"]?["expirationSeconds"]?.GetValue<long>());
        Assert.Equal(200, before.Status);
        Assert.Equal(200, deleted);
        Assert.Equal(401, afterDelete.Status);
        Assert.Equal(401, afterRecreate.Status);
        Assert.Equal(401, tampered.Status);
    }

    [Fact]
    public async Task TokenRequest_ExpiryUnderTenMinutesOrNoAccount_RefusedAsTheApiServerDoes()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "guest" } });

        var (shortStatus, shortBody) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/guest/token", new JsonObject { ["spec"] = new JsonObject { ["expirationSeconds"] = 60 } });
        var (missingStatus, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/nobody/token", new JsonObject { ["spec"] = new JsonObject() });

        Assert.Equal(422, shortStatus);
        Assert.Contains("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes", shortBody?["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(404, missingStatus);
    }

    [Fact]
    public async Task KubectlCreateToken_ServiceAccountBoundToView_TokenReadsPods()
    {
        await using var cluster = await TestCluster.StartAsync();
        var owner = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        await owner.OkAsync("create", "serviceaccount", "viewer");
        await owner.OkAsync("create", "rolebinding", "viewer-view", "--clusterrole=view", "--serviceaccount=default:viewer");
        await owner.OkAsync("run", "web", "--image=busybox", "--", "sleep", "1000");

        var token = (await owner.OkAsync("create", "token", "viewer", "--duration=15m")).Trim();
        var pods = await owner.OkAsync("get", "pods", "-o", "name", "--token", token);
        var exec = await owner.RunAsync("auth", "can-i", "create", "pods/exec", "--token", token);

        Assert.Equal(3, token.Split('.').Length);
        Assert.Equal("pod/web", pods.Trim());
        Assert.Equal("no", exec.StandardOutput.Trim());
    }

    private static async Task GrantPodReaderAsync(TestCluster cluster, string account)
    {
        await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = account } });
        await cluster.SendAsync(HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", JsonNode.Parse(
            """{"metadata":{"name":"pod-reader"},"rules":[{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list","watch"]}]}"""));
        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", JsonNode.Parse(
            $$"""{"metadata":{"name":"pod-reader"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},"subjects":[{"kind":"ServiceAccount","name":"{{account}}","namespace":"default"}]}"""));
        Assert.True(status == 201, body?.ToJsonString());
    }

    private static async Task<(int Status, string Body)> SendAsTokenAsync(TestCluster cluster, string token, HttpMethod method, string path, string? body = null)
    {
        using var client = new HttpClient(cluster.Host.Access.CreateHandler()) { BaseAddress = cluster.Host.Server };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request).DefaultTimeout();
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync().DefaultTimeout());
    }
}
