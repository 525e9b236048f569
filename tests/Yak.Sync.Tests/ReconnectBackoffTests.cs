using Microsoft.Extensions.Time.Testing;
using Yak.Sync.Session;

namespace Yak.Sync.Tests;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    [Fact]
    public void Failed_EndOfAStableLink_RetriesAtOnce()
    {
        var time = new FakeTimeProvider();
        var backoff = new ReconnectBackoff(Ceiling, time);

        backoff.Working();
        time.Advance(ReconnectBackoff.StableLink);

        Assert.Equal(TimeSpan.Zero, backoff.Failed(fatal: false));
        Assert.Equal(0, backoff.Failures);
    }

    [Fact]
    public void Failed_TenSleepsInADay_NeverWaitsLongerThanTheFirst()
    {
        // Each sleep drops a link that had worked for hours: the tenth reconnects as soon as the first did.
        var time = new FakeTimeProvider();
        var backoff = new ReconnectBackoff(Ceiling, time);
        for (var sleep = 0; sleep < 10; sleep++)
        {
            backoff.Working();
            time.Advance(TimeSpan.FromHours(1));
            Assert.Equal(TimeSpan.Zero, backoff.Failed(fatal: false));
        }
    }

    [Fact]
    public void Failed_InARowWithoutAWorkingLink_WaitsLongerEachTime()
    {
        var backoff = new ReconnectBackoff(Ceiling, new FakeTimeProvider());

        var waits = Enumerable.Range(0, 6).Select(_ => backoff.Failed(fatal: false)).ToList();

        Assert.All(waits, w => Assert.True(w > TimeSpan.Zero));
        // Jitter keeps each wait within [half, all] of its doubling base: two steps apart always grow.
        for (var i = 2; i < waits.Count; i++)
        {
            Assert.True(waits[i] > waits[i - 2], $"wait {i} ({waits[i]}) is not longer than wait {i - 2} ({waits[i - 2]})");
        }

        Assert.Equal(6, backoff.Failures);
    }

    [Fact]
    public void Failed_LinkBrokeRightAfterItsFirstPass_KeepsBackingOff()
    {
        // An agent that dies as soon as it served a pass must not be reconnected in a tight loop.
        var time = new FakeTimeProvider();
        var backoff = new ReconnectBackoff(Ceiling, time);
        backoff.Failed(fatal: false);

        backoff.Working();
        time.Advance(TimeSpan.FromMilliseconds(100));
        var wait = backoff.Failed(fatal: false);

        Assert.True(wait > TimeSpan.Zero);
        Assert.Equal(2, backoff.Failures);
    }

    [Fact]
    public void Failed_Fatal_WaitsAtLeastHalfTheCeilingEvenAfterAStableLink()
    {
        var time = new FakeTimeProvider();
        var backoff = new ReconnectBackoff(Ceiling, time);
        backoff.Working();
        time.Advance(TimeSpan.FromMinutes(1));

        var wait = backoff.Failed(fatal: true);

        Assert.InRange(wait, Ceiling / 2, Ceiling);
    }

    [Fact]
    public void Failed_AfterReconnectAtOnce_RetriesAtOnceThoughTheLinkWasYoung()
    {
        // A link broken on purpose after a sleep is replaced without a wait, however long it had been up.
        var backoff = new ReconnectBackoff(Ceiling, new FakeTimeProvider());
        backoff.Failed(fatal: false);
        backoff.Working();

        backoff.ReconnectAtOnce();

        Assert.Equal(TimeSpan.Zero, backoff.Failed(fatal: false));
        Assert.True(backoff.Failed(fatal: false) > TimeSpan.Zero);
    }
}
