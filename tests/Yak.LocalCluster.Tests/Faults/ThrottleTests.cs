using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Faults;

/// <summary>Per-user request-rate limits set through the faults API, answered as API priority and fairness does.</summary>
public sealed class ThrottleTests
{
    private static async Task SetThrottleAsync(TestCluster cluster, double requestsPerSecond, int burst)
    {
        using var response = await cluster.Http.PostAsJsonAsync(
            new Uri("/local-cluster/faults/throttle", UriKind.Relative), new { requestsPerSecond, burst }).DefaultTimeout();
        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Throttle_UserOverTheRate_Gets429WithRetryAfterWhileAnotherUserDoesNot()
    {
        await using var cluster = await TestCluster.StartAsync();
        var token = cluster.Host.Access.Tokens.Add("bob", []);
        using var bob = cluster.Host.Access.CreateHttpClient(token);
        // One request per 100 s after a burst of 3: the fourth request in this test cannot be admitted.
        await SetThrottleAsync(cluster, requestsPerSecond: 0.01, burst: 3);

        var owner = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await cluster.Http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative)).DefaultTimeout();
            owner.Add((int)ok.StatusCode);
        }

        using var refused = await cluster.Http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative)).DefaultTimeout();
        var refusal = JsonNode.Parse(await refused.Content.ReadAsStringAsync().DefaultTimeout())!;
        var other = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await bob.GetAsync(new Uri("/api", UriKind.Relative)).DefaultTimeout();
            other.Add((int)response.StatusCode);
        }

        using var health = await cluster.Http.GetAsync(new Uri("/readyz", UriKind.Relative)).DefaultTimeout();
        var (_, state) = await cluster.SendAsync(HttpMethod.Get, "/local-cluster/faults");

        Assert.Equal([200, 200, 200], owner);
        Assert.Equal(429, (int)refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 90, 100);
        Assert.Equal("TooManyRequests", (string?)refusal["reason"]);
        Assert.Equal([200, 200, 200], other);
        Assert.Equal(200, (int)health.StatusCode);
        Assert.Equal(1, (long)state!["throttle"]!["users"]![Yak.LocalCluster.Auth.TokenFile.OwnerName]!["rejected"]!);
        Assert.Equal(0, (long)state["throttle"]!["users"]!["bob"]!["rejected"]!);
    }

    [Fact]
    public async Task Throttle_Kubectl_RetriesAfterRetryAfterAndSucceeds()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        // Discovery and the list come within milliseconds of each other: all but the first are told to come back.
        await SetThrottleAsync(cluster, requestsPerSecond: 2, burst: 1);

        var output = await kubectl.OkAsync("get", "configmaps", "-o", "name");
        var (_, state) = await cluster.SendAsync(HttpMethod.Get, "/local-cluster/faults");
        var owner = state!["throttle"]!["users"]![Yak.LocalCluster.Auth.TokenFile.OwnerName]!;

        Assert.Equal("", output.Trim());
        Assert.True((long)owner["rejected"]! >= 1, $"kubectl was never throttled: {owner}");
        Assert.True((long)owner["admitted"]! >= 2, $"kubectl did not get through after its retries: {owner}");
    }

    [Fact]
    public async Task Throttle_Share_RefusesThatShareEvenlyWhateverTheRate()
    {
        await using var cluster = await TestCluster.StartAsync();
        using (var set = await cluster.Http.PostAsJsonAsync(new Uri("/local-cluster/faults/throttle", UriKind.Relative), new { share = 0.25 }).DefaultTimeout())
        {
            set.EnsureSuccessStatusCode();
        }

        var statuses = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await cluster.Http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative)).DefaultTimeout();
            statuses.Add((int)response.StatusCode);
        }

        var (_, state) = await cluster.SendAsync(HttpMethod.Get, "/local-cluster/faults");

        Assert.Equal([200, 200, 200, 429, 200, 200, 200, 429], statuses);
        Assert.Equal(0.25, (double)state!["throttle"]!["share"]!);
    }

    [Fact]
    public async Task Throttle_LongRunningStreamRequests_ExemptAsInPriorityAndFairness()
    {
        await using var cluster = await TestCluster.StartAsync();
        await SetThrottleAsync(cluster, requestsPerSecond: 0.01, burst: 1);
        using var first = await cluster.Http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative)).DefaultTimeout();

        // The bucket is empty: a list is refused, a pod's log (here of a pod that does not exist) is not throttled.
        using var list = await cluster.Http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative)).DefaultTimeout();
        using var log = await cluster.Http.GetAsync(new Uri("/api/v1/namespaces/default/pods/nobody/log", UriKind.Relative)).DefaultTimeout();
        var (_, state) = await cluster.SendAsync(HttpMethod.Get, "/local-cluster/faults");

        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(429, (int)list.StatusCode);
        Assert.NotEqual(429, (int)log.StatusCode);
        Assert.Equal(1, (long)state!["throttle"]!["users"]![Yak.LocalCluster.Auth.TokenFile.OwnerName]!["rejected"]!);
    }
}
