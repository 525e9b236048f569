using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Yak.Daemon.Telemetry;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Daemon.Tests.Telemetry;

/// <summary>The pure parts of wait telemetry: the store's bounds, the figures, the phases, the kubelet's pull times.</summary>
public sealed class WaitStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Append_PastTheSizeBound_KeepsTheNewestYoungerThanTheAgeBoundInHalfTheSize()
    {
        using var state = new TempDirectory("yak-waits-");
        var time = new FixedTime(Now);
        var store = new WaitStore(state.Path, time, NullLogger<WaitStore>.Instance);
        store.Append(Record("up", Now - WaitStore.MaxAge - TimeSpan.FromDays(1), 5));
        var padding = new string('x', 4000);
        var i = 0;
        while (new FileInfo(store.FilePath).Length <= WaitStore.MaxBytes / 2 || i < 10)
        {
            store.Append(Record("sync.flush", Now - TimeSpan.FromMinutes(1000 - (i % 1000)), i++, padding));
        }

        var before = store.Read().Count;
        while (store.Read().Count >= before)
        {
            store.Append(Record("sync.flush", Now, i++, padding));
        }

        var records = store.Read();
        Assert.True(new FileInfo(store.FilePath).Length <= WaitStore.MaxBytes / 2 + 8192);
        Assert.DoesNotContain(records, r => r.Kind == "up");
        Assert.Equal(i - 1, records[^1].DurationMs);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(store.FilePath)!));
        }
    }

    [Fact]
    public void Read_CorruptLines_SkippedAndTheRestKept()
    {
        using var state = new TempDirectory("yak-waits-");
        var store = new WaitStore(state.Path, new FixedTime(Now), NullLogger<WaitStore>.Instance);
        store.Append(Record("up", Now, 100));
        File.AppendAllText(store.FilePath, "{not json\n\0\0\0\n{\"kind\":null}\n");
        store.Append(Record("update", Now, 200));

        var records = store.Read();

        Assert.Equal(["up", "update"], records.Select(r => r.Kind));
    }

    [Fact]
    public void Summarize_Durations_NearestRankPercentilesAndMinutesPerDay()
    {
        var records = Enumerable.Range(1, 10).Select(n => Record("up", Now - TimeSpan.FromDays(2) + TimeSpan.FromHours(n), n * 6000)).ToList();
        records.Add(Record("up", Now - TimeSpan.FromDays(30), 999_999));

        var stats = WaitStatistics.Summarize(records, Now - TimeSpan.FromDays(7), Now, slowest: 3);

        var up = Assert.Single(stats.Kinds);
        Assert.Equal(10, up.Count);
        Assert.Equal(30_000, up.P50Ms);
        Assert.Equal(54_000, up.P90Ms);
        Assert.Equal(60_000, up.MaxMs);
        Assert.Equal(330_000 / 60_000.0 / (TimeSpan.FromDays(2) - TimeSpan.FromHours(1)).TotalDays, up.MinutesPerDay, 6);
        Assert.Equal([60_000, 54_000, 48_000], stats.Slowest.Select(s => s.DurationMs));
    }

    [Theory]
    [InlineData("Successfully pulled image \"busybox:1.37\" in 1.234s (1.234s including waiting). Image size: 2167176 bytes.", 1234)]
    [InlineData("Successfully pulled image \"registry/app@sha256:ab\" in 2m3.5s (2m3.5s including waiting)", 123_500)]
    [InlineData("Successfully pulled image \"x\" in 523ms", 523)]
    [InlineData("Successfully pulled image \"x\" in 1h0m0s", 3_600_000)]
    public void ParseDuration_KubeletPulledMessages_TheirDuration(string message, double ms) =>
        Assert.Equal(ms, ImagePulls.ParseDuration(message)!.Value.TotalMilliseconds, 3);

    [Theory]
    [InlineData("Container image \"busybox\" already present on machine")]
    [InlineData("Successfully pulled image \"x\" in soon")]
    [InlineData(null)]
    public void ParseDuration_NoPullTime_Null(string? message) => Assert.Null(ImagePulls.ParseDuration(message));

    [Fact]
    public void Phases_EnvironmentEvents_ApplyRolloutPullFirstSyncReady()
    {
        var t0 = Now;
        EventNotification[] events =
        [
            Event(EventKinds.EnvApplying, t0.AddSeconds(1), new EnvApplyingInfo { Name = "e", Namespace = "n", Cluster = "c", Server = "s", Objects = 3 }),
            Event(EventKinds.EnvApplied, t0.AddSeconds(2), new EnvAppliedInfo { Changed = 3, Total = 3, Objects = [] }),
            Event(EventKinds.EnvProgress, t0.AddSeconds(3), new EnvProgressInfo { Service = "web", State = ServiceState.RollingOut, Ready = 0, Desired = 1, Message = null }),
            Event(EventKinds.EnvProgress, t0.AddSeconds(9), new EnvProgressInfo { Service = "web", State = ServiceState.Ready, Ready = 1, Desired = 1, Message = null }),
            Event(EventKinds.EnvSyncStarted, t0.AddSeconds(9), new EnvSyncStartedInfo { Service = "web", Session = "s", Pod = "p", LocalPath = "/l", ContainerPath = "/c" }),
            Event(EventKinds.EnvInitialSyncDone, t0.AddSeconds(11), new EnvInitialSyncDoneInfo { Service = "web", Pod = "p" }),
        ];

        var phases = EnvironmentWait.Phases(events, [("web", t0.AddSeconds(4), t0.AddSeconds(7))], t0, t0.AddSeconds(12));

        Assert.Equal(
            [("yak.env.apply", null, 1.0, 2.0), ("yak.env.rollout", "web", 2, 9), ("yak.env.image_pull", "web", 4, 7), ("yak.env.first_sync", "web", 9, 11)],
            phases.Select(p => (p.Name, p.Service, (p.Start - t0).TotalSeconds, (p.End - t0).TotalSeconds)));
    }

    private static EventNotification Event<T>(EventKind<T> kind, DateTimeOffset at, T data)
        where T : class => new()
        {
            Topic = kind.Topic,
            Kind = kind.Kind,
            Subject = "e",
            Time = at,
            Data = JsonSerializer.SerializeToElement(data, YakJson.Options),
        };

    private static WaitRecord Record(string kind, DateTimeOffset started, double ms, string subject = "env") =>
        new(kind, subject, started, ms, "ok", [new WaitPhase("apply", 0, ms / 2)]);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
