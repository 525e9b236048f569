using Yak.Daemon.Events;
using Yak.Daemon.Hosting;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Tests.Hosting;

public sealed class IdleMemoryTrimTests
{
    [Fact]
    public async Task Publish_ThenQuiet_TrimsOnceAndStaysAsleep()
    {
        var time = new ManualTimers();
        var hub = new EventHub(TimeProvider.System);
        var trim = new IdleMemoryTrim(hub, time, new Holders());
        await trim.StartAsync(CancellationToken.None);
        Assert.Equal(IdleMemoryTrim.Quiet, time.Timer!.Due);

        time.Timer.Fire();
        Assert.Equal(1, trim.Trims);
        Assert.Equal(Timeout.InfiniteTimeSpan, time.Timer.Period);
        Assert.Equal(IdleMemoryTrim.Settled - IdleMemoryTrim.Quiet, time.Timer.Due); // the second step, unless activity comes first

        hub.Publish(EventKinds.Stopping, "yakd", new DaemonStoppingInfo { Reason = "test" });
        Assert.Equal(IdleMemoryTrim.Quiet, time.Timer.Due);
        time.Timer.Fire();
        Assert.Equal(2, trim.Trims);

        await trim.StopAsync(CancellationToken.None);
        hub.Publish(EventKinds.Stopping, "yakd", new DaemonStoppingInfo { Reason = "test" });
        Assert.True(time.Timer.Disposed);
        Assert.Equal(Timeout.InfiniteTimeSpan, time.Timer.Due);
    }

    [Fact]
    public async Task Quiet_UntilSettled_HoldersReleaseThenTrimsAgainAndSleeps()
    {
        var time = new ManualTimers();
        var hub = new EventHub(TimeProvider.System);
        var holder = new CountingHolder();
        var trim = new IdleMemoryTrim(hub, time, new Holders(holder));
        await trim.StartAsync(CancellationToken.None);

        time.Timer!.Fire();
        Assert.Equal(0, holder.Releases); // a short pause keeps what activity needs
        time.Timer.Fire();
        Assert.Equal(1, holder.Releases);
        Assert.Equal(2, trim.Trims);
        Assert.Equal(Timeout.InfiniteTimeSpan, time.Timer.Due); // asleep until the next activity

        hub.Publish(EventKinds.Stopping, "yakd", new DaemonStoppingInfo { Reason = "test" });
        Assert.Equal(IdleMemoryTrim.Quiet, time.Timer.Due);
        time.Timer.Fire();
        Assert.Equal(1, holder.Releases);
        Assert.Equal(3, trim.Trims);
        await trim.StopAsync(CancellationToken.None);
    }

    private sealed class CountingHolder : IIdleMemoryHolder
    {
        public int Releases { get; private set; }

        public Task ReleaseIdleMemoryAsync(CancellationToken cancellationToken)
        {
            Releases++;
            return Task.CompletedTask;
        }
    }

    /// <summary>The service provider IdleMemoryTrim asks for holders at its second step.</summary>
    private sealed class Holders(params IIdleMemoryHolder[] holders) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IEnumerable<IIdleMemoryHolder>) ? holders : null;
    }

    /// <summary>Timers that fire when the test says so: the trim's schedule is asserted, not waited for.</summary>
    private sealed class ManualTimers : TimeProvider
    {
        public ManualTimer? Timer { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Timer = new ManualTimer(callback, state) { Due = dueTime, Period = period };
    }

    private sealed class ManualTimer(TimerCallback callback, object? state) : ITimer
    {
        public TimeSpan Due { get; set; }

        public TimeSpan Period { get; set; }

        public bool Disposed { get; private set; }

        public void Fire()
        {
            Due = Timeout.InfiniteTimeSpan;
            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (Disposed)
            {
                return false;
            }

            Due = dueTime;
            Period = period;
            return !Disposed;
        }

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
