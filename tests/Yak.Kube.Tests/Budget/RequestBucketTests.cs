using Microsoft.Extensions.Time.Testing;
using Yak.Kube.Budget;

namespace Yak.Kube.Tests.Budget;

public sealed class RequestBucketTests
{
    [Fact]
    public void Reserve_BurstUsedUp_NextWaitsForTheRefill()
    {
        var time = new FakeTimeProvider();
        var bucket = new RequestBucket(perSecond: 10, burst: 3, time);

        var burst = Enumerable.Range(0, 3).Select(_ => bucket.Reserve()).ToList();
        var fourth = bucket.Reserve();
        var fifth = bucket.Reserve();

        Assert.All(burst, wait => Assert.Equal(TimeSpan.Zero, wait));
        Assert.Equal(TimeSpan.FromMilliseconds(100), fourth);
        Assert.Equal(TimeSpan.FromMilliseconds(200), fifth);
    }

    [Fact]
    public void Reserve_AfterIdle_RefillsUpToTheBurstOnly()
    {
        var time = new FakeTimeProvider();
        var bucket = new RequestBucket(perSecond: 10, burst: 2, time);
        bucket.Reserve();
        bucket.Reserve();

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(TimeSpan.Zero, bucket.Reserve());
        Assert.Equal(TimeSpan.Zero, bucket.Reserve());
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.Reserve());
    }
}
