using Yak.LocalCluster.Tests.Kubectl;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Batch;

/// <summary>Jobs and CronJobs as a migration step uses them, through each kubectl version, with pods as real processes.</summary>
public sealed class KubectlJobTests
{
    public static TheoryData<string> KubectlVersions() => KubectlConformanceTests.KubectlVersions();

    [Theory]
    [MemberData(nameof(KubectlVersions))]
    public async Task CreateWaitLogs_JobAndJobFromCronJob_CompleteAndShowTheirOutput(string version)
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath, version);

        await kubectl.OkAsync("create", "job", "migrate", "--image=busybox", "--", "sh", "-c", "echo migrated 42 rows");
        var waited = await kubectl.OkAsync("wait", "--for=condition=complete", "job/migrate", "--timeout=30s");
        var logs = await kubectl.OkAsync("logs", "job/migrate");
        await kubectl.OkAsync("create", "cronjob", "nightly", "--image=busybox", "--schedule=0 3 * * *", "--", "sh", "-c", "echo nightly run");
        await kubectl.OkAsync("create", "job", "nightly-manual", "--from=cronjob/nightly");
        var waitedManual = await kubectl.OkAsync("wait", "--for=condition=complete", "job/nightly-manual", "--timeout=30s");
        var manualLogs = await kubectl.OkAsync("logs", "job/nightly-manual");
        var jobs = await kubectl.OkAsync("get", "jobs");
        var cronJobs = await kubectl.OkAsync("get", "cronjobs", "-o", "name");
        var schedule = await kubectl.OkAsync("get", "cronjob", "nightly", "-o", "jsonpath={.spec.schedule}");

        Assert.Contains("job.batch/migrate condition met", waited, StringComparison.Ordinal);
        Assert.Equal("migrated 42 rows", logs.Trim());
        Assert.Contains("condition met", waitedManual, StringComparison.Ordinal);
        Assert.Equal("nightly run", manualLogs.Trim());
        Assert.Matches(@"migrate\s+Complete\s+1/1", jobs);
        Assert.Equal("cronjob.batch/nightly", cronJobs.Trim());
        Assert.Equal("0 3 * * *", schedule.Trim());
    }

    [Fact]
    public async Task Wait_FailingJob_FailedConditionAfterBackoffLimit()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        const string job = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: broken}
            spec:
              backoffLimit: 1
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: busybox, command: [sh, -c, "echo no database; exit 3"]}]
            """;

        var applied = await kubectl.RunWithStdinAsync(job, "apply", "-f", "-");
        var waited = await kubectl.OkAsync("wait", "--for=condition=failed", "job/broken", "--timeout=30s");
        var failed = await kubectl.OkAsync("get", "job", "broken", "-o", "jsonpath={.status.failed}");
        var pods = await kubectl.OkAsync("get", "pods", "-l", "job-name=broken", "-o", "name");

        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("condition met", waited, StringComparison.Ordinal);
        Assert.Equal("2", failed.Trim());
        Assert.Equal(2, pods.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
