using System.Text.Json;
using Yak.Client;
using Yak.Daemon.Tests.Environments;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Telemetry;

/// <summary>
/// The developer's waits, measured by a real yakd on the local cluster: stored locally and shown by `yakctl stats`,
/// and exported over OTLP/HTTP to a collector (a small receiver here) when config.yaml says where.
/// </summary>
public sealed class WaitTelemetryTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Up_OtlpConfigured_SpansWithPhasesAndTheWaitMetricArrive()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        env.WriteConfig($"owner: tester\ntelemetry:\n  otlp:\n    endpoint: {receiver.Endpoint}\n    headers: {{ x-team-token: platform-42 }}\n    exportIntervalSeconds: 1\n");
        await env.RestartDaemonAsync();
        WriteSpec(env, "measured");

        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;

        Assert.Equal(EnvironmentState.Up, info.State);
        var up = await receiver.WaitForSpanAsync(s => s.Name == "yak.env.up").WaitAsync(Arrival);
        Assert.Equal("up", up.Attributes["yak.wait.kind"]);
        Assert.Equal("measured", up.Attributes["yak.environment"]);
        Assert.Equal("ok", up.Attributes["yak.wait.outcome"]);
        Assert.Equal("yakd", up.Resource["service.name"]);
        Assert.Equal("tester", up.Resource["yak.owner"]);
        var phases = receiver.Spans.Where(s => s.ParentSpanId == up.SpanId).ToList();
        Assert.Contains(phases, p => p.Name == "yak.env.apply");
        Assert.Contains(phases, p => p.Name == "yak.env.rollout" && p.Attributes["yak.service"] == "app");
        Assert.Contains(phases, p => p.Name == "yak.env.first_sync" && p.Attributes["yak.service"] == "app");
        var metric = await receiver.WaitForMetricAsync(m => m.Metric == "yak.wait.duration" && m.Attributes.GetValueOrDefault("yak.wait.kind") == "up").WaitAsync(Arrival);
        Assert.Equal("s", metric.Unit);
        Assert.Contains(receiver.Requests, r => r.Path == "/v1/traces" && r.Headers["x-team-token"] == "platform-42");
    }

    [Fact]
    public async Task Stats_AfterUpFlushAndRestart_ShowsEachKindWithPhases()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        WriteSpec(env, "counted");
        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;
        var session = Assert.Single(Assert.Single(info.Services).Syncs).Session;
        File.WriteAllText(Path.Combine(env.Folder, "code", "main.py"), "print('edited')\n");
        Assert.Null(Assert.Single(await env.Client.FlushSyncAsync(session, CancellationToken.None).DefaultTimeout()).LastError);

        // A restarted yakd reconnects the session it resumes: that wait is recorded before the session says so.
        await env.RestartDaemonAsync();
        await WaitUntilAsync(env, async () => (await env.Client.SyncStatusAsync(session, CancellationToken.None)).Single().State == SyncSessionState.Watching);

        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), "stats", "--since", "1d", "--output", "json"], env.Sandbox.Environment(autostart: false)));

        Assert.True(result.ExitCode == 0, result.ToString());
        var stats = JsonSerializer.Deserialize<WaitStatsResponse>(result.StandardOutput, Yak.Protocol.Transport.YakJson.Options)!;
        var kinds = stats.Kinds.ToDictionary(k => k.Kind);
        Assert.Equal(1, kinds[WaitKinds.Up].Count);
        Assert.True(kinds[WaitKinds.Up].P50Ms > 0);
        Assert.Equal(1, kinds[WaitKinds.SyncFlush].Count);
        Assert.True(kinds[WaitKinds.Reconnect].Count >= 1);
        var slowestUp = stats.Slowest.First(w => w.Kind == WaitKinds.Up);
        Assert.Equal("counted", slowestUp.Subject);
        Assert.Contains(slowestUp.Phases, p => p.Name == "rollout app");
        Assert.Contains(slowestUp.Phases, p => p.Name == "first sync app");

        var text = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), "stats"], env.Sandbox.Environment(autostart: false)));
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("KIND", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("up counted", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("rollout app", text.StandardOutput, StringComparison.Ordinal);
    }

    private static void WriteSpec(EnvironmentFixture env, string name)
    {
        Directory.CreateDirectory(Path.Combine(env.Folder, "code"));
        File.WriteAllText(Path.Combine(env.Folder, "code", "main.py"), "print('hello')\n");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            $"name: {name}\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    sync:\n      - {{ from: ./code, to: /code, initialSync: true }}\n");
    }

    /// <summary>Checks after every sync event (subscribed first), bounded: never a sleep.</summary>
    private static async Task WaitUntilAsync(EnvironmentFixture env, Func<Task<bool>> condition)
    {
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEvent(object? sender, EventNotification e) => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        env.Client.EventReceived += OnEvent;
        try
        {
            await env.Client.SubscribeAsync([EventTopics.Sync], CancellationToken.None).DefaultTimeout();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                var following = Volatile.Read(ref next).Task;
                if (await condition())
                {
                    return;
                }

                await following.WaitAsync(deadline.Token);
            }
        }
        finally
        {
            env.Client.EventReceived -= OnEvent;
        }
    }
}
