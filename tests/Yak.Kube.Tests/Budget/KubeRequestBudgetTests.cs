using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Yak.Kube;
using Yak.Kube.Budget;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Kube.Tests.Budget;

/// <summary>The request budget against a real API server whose priority and fairness answers 429 (the local cluster's throttle).</summary>
public sealed class KubeRequestBudgetTests
{
    [Fact]
    public async Task Requests_ServerAnswers429WithRetryAfter_AllSucceedAfterWaiting()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        using var admin = cluster.Host.Access.CreateHttpClient(timeout: TaskTimeoutExtensions.DefaultTimeoutSpan);
        using var connection = KubeClientFactory.Create(new KubeTarget(cluster.Host.KubeconfigPath, "yak-local"), KubeRequestLimits.Default with { MaxRetryDelay = TimeSpan.FromSeconds(2) });
        // Four requests per second after a burst of two: most of the twelve below are refused at first.
        using (var set = await admin.PostAsJsonAsync(new Uri("/local-cluster/faults/throttle", UriKind.Relative), new { requestsPerSecond = 4, burst = 2 }).DefaultTimeout())
        {
            set.EnsureSuccessStatusCode();
        }

        try
        {
            var creates = Enumerable.Range(0, 6).Select(i => connection.Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"budget-{i}" }, Data = new Dictionary<string, string> { ["i"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } }, "default"));
            var created = await Task.WhenAll(creates).WaitAsync(TimeSpan.FromMinutes(2));
            var reads = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => connection.Client.CoreV1.ReadNamespacedConfigMapAsync($"budget-{i}", "default"))).WaitAsync(TimeSpan.FromMinutes(2));

            Assert.Equal(6, created.Length);
            Assert.Equal(Enumerable.Range(0, 6).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), reads.Select(r => r.Data["i"]));
            Assert.True(connection.Budget!.Throttled > 0, "the server never answered 429: the test did not exercise the retry");
        }
        finally
        {
            using var clear = await admin.DeleteAsync(new Uri("/local-cluster/faults/throttle", UriKind.Relative)).DefaultTimeout();
        }
    }

    [Fact]
    public async Task Requests_RefusedMoreOftenThanRetried_TheLast429ReachesTheCaller()
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        using var admin = cluster.Host.Access.CreateHttpClient(timeout: TaskTimeoutExtensions.DefaultTimeoutSpan);
        using var connection = KubeClientFactory.Create(new KubeTarget(cluster.Host.KubeconfigPath, "yak-local"), KubeRequestLimits.Default with { MaxRetries = 1, MaxRetryDelay = TimeSpan.FromMilliseconds(50) });
        await connection.Client.CoreV1.ListNamespacedConfigMapAsync("default").DefaultTimeout();
        // One request per 1000 s once the burst of one is spent: every try after it is refused.
        using (var set = await admin.PostAsJsonAsync(new Uri("/local-cluster/faults/throttle", UriKind.Relative), new { requestsPerSecond = 0.001, burst = 1 }).DefaultTimeout())
        {
            set.EnsureSuccessStatusCode();
        }

        try
        {
            await connection.Client.CoreV1.ListNamespacedConfigMapAsync("default").DefaultTimeout();
            var refused = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => connection.Client.CoreV1.ListNamespacedConfigMapAsync("default")).DefaultTimeout();

            Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, refused.Response.StatusCode);
            Assert.Equal(2, connection.Budget!.Throttled);
        }
        finally
        {
            using var clear = await admin.DeleteAsync(new Uri("/local-cluster/faults/throttle", UriKind.Relative)).DefaultTimeout();
        }
    }
}
