using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Batch;

/// <summary>CronJobs on a fake controller clock: the test moves time to the schedule's next minute instead of waiting for it.</summary>
public sealed class CronJobControllerTests
{
    private static V1CronJob CronJob(string name, string schedule, string concurrencyPolicy = "Allow") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1CronJobSpec
        {
            Schedule = schedule,
            ConcurrencyPolicy = concurrencyPolicy,
            JobTemplate = new V1JobTemplateSpec { Spec = JobControllerTests.Job("unused").Spec },
        },
    };

    private static DateTimeOffset NextMinuteAfter(DateTime created) =>
        new DateTimeOffset(created.Year, created.Month, created.Day, created.Hour, created.Minute, 0, TimeSpan.Zero).AddMinutes(1);

    private static async Task<List<V1Job>> JobsOf(TestCluster cluster, string cronJob) =>
        [.. (await cluster.Client.BatchV1.ListNamespacedJobAsync("default")).Items.Where(j => j.Metadata.OwnerReferences?.Any(o => o.Name == cronJob) == true)];

    [Fact]
    public async Task CronJob_ClockReachesEachScheduledMinute_CreatesOneJobPerRunNamedByIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(time: clock);
        var cronJob = await cluster.Client.BatchV1.CreateNamespacedCronJobAsync(CronJob("tick", "* * * * *"), "default").DefaultTimeout();
        var firstRun = NextMinuteAfter(cronJob.Metadata.CreationTimestamp!.Value);

        clock.SetUtcNow(firstRun.AddSeconds(1));
        var first = await cluster.EventuallyAsync(() => JobsOf(cluster, "tick"), j => j.Count == 1, "the first run's job").DefaultTimeout();
        clock.SetUtcNow(firstRun.AddMinutes(1).AddSeconds(1));
        var both = await cluster.EventuallyAsync(() => JobsOf(cluster, "tick"), j => j.Count == 2, "the second run's job").DefaultTimeout();
        var status = await cluster.EventuallyAsync(
            () => cluster.Client.BatchV1.ReadNamespacedCronJobAsync("tick", "default"),
            c => c.Status?.Active?.Count == 2,
            "both jobs listed as active").DefaultTimeout();

        Assert.Equal($"tick-{firstRun.ToUnixTimeSeconds() / 60}", first[0].Metadata.Name);
        Assert.Contains(both, j => j.Metadata.Name == $"tick-{(firstRun.ToUnixTimeSeconds() / 60) + 1}");
        Assert.Equal(firstRun.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            first[0].Metadata.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
        Assert.Equal(firstRun.AddMinutes(1).UtcDateTime, status.Status.LastScheduleTime);
        Assert.Equal("migrate", both[0].Spec.Template.Spec.Containers[0].Name);
    }

    [Fact]
    public async Task CronJob_ForbidWhileAJobRuns_SkipsTheRunThenReplaceDeletesTheRunningJob()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(time: clock);
        var cronJob = await cluster.Client.BatchV1.CreateNamespacedCronJobAsync(CronJob("once", "* * * * *", "Forbid"), "default").DefaultTimeout();
        var firstRun = NextMinuteAfter(cronJob.Metadata.CreationTimestamp!.Value);
        clock.SetUtcNow(firstRun.AddSeconds(1));
        var first = (await cluster.EventuallyAsync(() => JobsOf(cluster, "once"), j => j.Count == 1, "the first job").DefaultTimeout())[0];

        clock.SetUtcNow(firstRun.AddMinutes(1).AddSeconds(1));
        var skipped = await cluster.EventuallyAsync(
            () => cluster.Client.BatchV1.ReadNamespacedCronJobAsync("once", "default"),
            c => c.Status?.Active?.Count == 1 && c.Status.LastScheduleTime == firstRun.UtcDateTime,
            "the cronjob to keep its one active job").DefaultTimeout();
        var afterSkip = await JobsOf(cluster, "once").DefaultTimeout();
        await cluster.Client.BatchV1.PatchNamespacedCronJobAsync(
            new V1Patch("""{"spec":{"concurrencyPolicy":"Replace"}}""", V1Patch.PatchType.MergePatch), "once", "default").DefaultTimeout();
        var replaced = await cluster.EventuallyAsync(
            () => JobsOf(cluster, "once"),
            j => j.Count(x => x.Metadata.DeletionTimestamp is null) == 1 && j.All(x => x.Metadata.Uid != first.Metadata.Uid),
            "the running job to be replaced").DefaultTimeout();

        Assert.Single(afterSkip);
        Assert.Equal(first.Metadata.Uid, skipped.Status.Active.Single().Uid);
        Assert.Equal($"once-{(firstRun.ToUnixTimeSeconds() / 60) + 1}", replaced.Single().Metadata.Name);
    }

    [Fact]
    public async Task CronJob_InvalidSchedule_RefusedWith422()
    {
        await using var cluster = await TestCluster.StartAsync();

        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(
            () => cluster.Client.BatchV1.CreateNamespacedCronJobAsync(CronJob("bad", "every day"), "default")).DefaultTimeout();

        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains("spec.schedule: Invalid value: \"every day\"", System.Text.Json.Nodes.JsonNode.Parse(error.Response.Content)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
