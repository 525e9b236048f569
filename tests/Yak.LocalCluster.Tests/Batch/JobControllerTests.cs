using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Batch;

/// <summary>Jobs through the API with the fake runtime: the test decides when each pod's containers exit.</summary>
public sealed class JobControllerTests
{
    internal static V1Job Job(string name, int? completions = null, int? parallelism = null, int? backoffLimit = null, string restartPolicy = "Never") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1JobSpec
        {
            Completions = completions,
            Parallelism = parallelism,
            BackoffLimit = backoffLimit,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = restartPolicy,
                    Containers = [new V1Container { Name = "migrate", Image = "busybox", Command = ["sh", "-c", "echo migrated"] }],
                },
            },
        },
    };

    private static async Task<List<V1Pod>> PodsOf(TestCluster cluster, string job) =>
        [.. (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"batch.kubernetes.io/job-name={job}")).Items];

    [Fact]
    public async Task Job_CompletionsAndParallelism_RunsAtMostParallelismPodsUntilCompletionsSucceed()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(Job("migrate", completions: 3, parallelism: 2), "default").DefaultTimeout();

        var first = await cluster.EventuallyAsync(() => PodsOf(cluster, "migrate"), p => p.Count(x => x.Status?.PodIP is not null) == 2, "two running pods").DefaultTimeout();
        cluster.Runtime.Finish(first[0], exitCode: 0);
        var second = await cluster.EventuallyAsync(() => PodsOf(cluster, "migrate"), p => p.Count(x => x.Status?.Phase == "Running") == 2 && p.Count == 3, "a third pod").DefaultTimeout();
        var midway = await cluster.Client.BatchV1.ReadNamespacedJobAsync("migrate", "default").DefaultTimeout();
        foreach (var pod in second.Where(p => p.Status?.Phase == "Running"))
        {
            cluster.Runtime.Finish(pod, exitCode: 0);
        }

        var job = await cluster.EventuallyAsync(
            () => cluster.Client.BatchV1.ReadNamespacedJobAsync("migrate", "default"),
            j => j.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true,
            "the job to complete").DefaultTimeout();
        var pods = await PodsOf(cluster, "migrate").DefaultTimeout();

        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.Equal("Succeeded", p.Status.Phase));
        Assert.All(pods, p => Assert.Equal("Job", p.Metadata.OwnerReferences.Single().Kind));
        Assert.Equal(1, midway.Status.Succeeded);
        Assert.Equal(3, job.Status.Succeeded);
        Assert.Null(job.Status.Active);
        Assert.NotNull(job.Status.StartTime);
        Assert.NotNull(job.Status.CompletionTime);
        Assert.Contains(job.Status.Conditions, c => c.Type == "SuccessCriteriaMet" && c.Status == "True");
        Assert.Equal(job.Metadata.Uid, job.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
    }

    [Fact]
    public async Task Job_FailuresBeyondBackoffLimit_FailedWithBackoffLimitExceeded()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(Job("flaky", backoffLimit: 1), "default").DefaultTimeout();

        var first = await cluster.EventuallyAsync(() => PodsOf(cluster, "flaky"), p => p.Count == 1 && p[0].Status?.Phase == "Running", "the first pod").DefaultTimeout();
        cluster.Runtime.Finish(first[0], exitCode: 1);
        var retried = await cluster.EventuallyAsync(() => PodsOf(cluster, "flaky"), p => p.Count == 2 && p.Any(x => x.Status?.Phase == "Running"), "a retry pod").DefaultTimeout();
        cluster.Runtime.Finish(retried.Single(p => p.Status.Phase == "Running"), exitCode: 1);

        var job = await cluster.EventuallyAsync(
            () => cluster.Client.BatchV1.ReadNamespacedJobAsync("flaky", "default"),
            j => j.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true,
            "the job to fail").DefaultTimeout();
        var pods = await PodsOf(cluster, "flaky").DefaultTimeout();
        var events = await cluster.Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=flaky").DefaultTimeout();

        Assert.Equal(2, pods.Count);
        Assert.Equal(2, job.Status.Failed);
        Assert.Equal("BackoffLimitExceeded", job.Status.Conditions.Single(c => c.Type == "Failed").Reason);
        Assert.Contains(events.Items, e => e.Reason == "BackoffLimitExceeded");
    }

    [Fact]
    public async Task Job_RestartPolicyAlways_RefusedWith422NamingTheField()
    {
        await using var cluster = await TestCluster.StartAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.BatchV1.CreateNamespacedJobAsync(Job("bad", restartPolicy: "Always"), "default")).DefaultTimeout();

        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains("spec.template.spec.restartPolicy: Unsupported value: \"Always\"", System.Text.Json.Nodes.JsonNode.Parse(error.Response.Content)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_Deleted_ItsPodsAreCollected()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(Job("gone"), "default").DefaultTimeout();
        await cluster.EventuallyAsync(() => PodsOf(cluster, "gone"), p => p.Count == 1, "the pod").DefaultTimeout();

        await cluster.Client.BatchV1.DeleteNamespacedJobAsync("gone", "default", propagationPolicy: "Background").DefaultTimeout();

        await cluster.EventuallyAsync(() => PodsOf(cluster, "gone"), p => p.Count == 0, "the pods to be collected").DefaultTimeout();
    }
}
