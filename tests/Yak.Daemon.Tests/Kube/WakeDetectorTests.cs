using Microsoft.Extensions.Time.Testing;
using Yak.Daemon.Kube;

namespace Yak.Daemon.Tests.Kube;

public sealed class WakeDetectorTests
{
    [Fact]
    public void Tick_OnTimeForAMinute_ReportsNoSleep()
    {
        var time = new FakeTimeProvider();
        using var detector = new WakeDetector(time);
        var woke = new List<WakeEvent>();
        detector.Woke += woke.Add;

        for (var second = 0; second < 60; second++)
        {
            time.Advance(WakeDetector.Period);
        }

        Assert.Empty(woke);
    }

    [Fact]
    public void Tick_LateAfterAStop_ReportsTheGapAndTheLastTickBeforeIt()
    {
        // SIGSTOP (or a suspend the monotonic clock counts): the next tick comes a minute late on both clocks.
        var time = new FakeTimeProvider();
        using var detector = new WakeDetector(time);
        var woke = new List<WakeEvent>();
        detector.Woke += woke.Add;
        time.Advance(WakeDetector.Period);
        var lastTick = time.GetTimestamp();

        time.Advance(TimeSpan.FromSeconds(60));

        var sleep = Assert.Single(woke);
        Assert.True(sleep.Gap >= TimeSpan.FromSeconds(60), $"gap {sleep.Gap}");
        Assert.Equal(lastTick, sleep.AsleepSince);
        time.Advance(WakeDetector.Period);
        Assert.Single(woke);
    }

    [Fact]
    public void Tick_WallClockJumpedInASuspend_ReportsTheSleep()
    {
        // A laptop's suspend: CLOCK_MONOTONIC stands still while the wall clock moves on.
        var time = new SuspendingTimeProvider();
        using var detector = new WakeDetector(time);
        var woke = new List<WakeEvent>();
        detector.Woke += woke.Add;
        time.Advance(WakeDetector.Period);

        time.Suspend(TimeSpan.FromMinutes(30));
        time.Advance(WakeDetector.Period);

        var sleep = Assert.Single(woke);
        Assert.True(sleep.Gap >= TimeSpan.FromMinutes(30), $"gap {sleep.Gap}");
    }

    [Fact]
    public void Tick_SlightlyLateUnderLoad_ReportsNoSleep()
    {
        var time = new FakeTimeProvider();
        using var detector = new WakeDetector(time);
        var woke = new List<WakeEvent>();
        detector.Woke += woke.Add;

        time.Advance(WakeDetector.Period + TimeSpan.FromSeconds(2));

        Assert.Empty(woke);
    }

    [Fact]
    public async Task Dispose_SystemClock_TicksOnItsOwnThreadUntilDisposed()
    {
        // The real clock ticks on a thread of its own (not the pool's timer), reports no sleep while on time, and
        // its thread has ended once Dispose returns.
        var detector = new WakeDetector(TimeProvider.System);
        var woke = new List<WakeEvent>();
        detector.Woke += woke.Add;

        Assert.True(SpinWait.SpinUntil(() => detector.Ticks >= 2, TimeSpan.FromSeconds(30)), "no two ticks within 30 s");
        await Task.Run(detector.Dispose).WaitAsync(TimeSpan.FromSeconds(30));
        var ticks = detector.Ticks;

        Assert.Empty(woke);
        Assert.False(detector.IsTicking);
        Assert.Equal(ticks, detector.Ticks);
    }

    /// <summary>A clock whose wall time can move on without its monotonic time, as in a suspend.</summary>
    private sealed class SuspendingTimeProvider : FakeTimeProvider
    {
        private TimeSpan suspended;

        public void Suspend(TimeSpan duration) => suspended += duration;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + suspended;

        public override long GetTimestamp() => (base.GetUtcNow() - Start).Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
