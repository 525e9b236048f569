namespace Yak.Forwarding.Tests;

public sealed class BackoffTests
{
    [Fact]
    public void Next_ManyAttempts_GrowsWithJitterAndStaysUnderCap()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));

        var delays = Enumerable.Range(0, 30).Select(_ => backoff.Next()).ToList();

        Assert.InRange(delays[0].TotalMilliseconds, 50, 100);
        Assert.InRange(delays[3].TotalMilliseconds, 400, 800);
        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 50, 3000));
        Assert.All(delays.Skip(10), d => Assert.InRange(d.TotalMilliseconds, 1500, 3000));
    }

    [Fact]
    public void Reset_AfterFailures_StartsOver()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));
        for (var i = 0; i < 8; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }
}
