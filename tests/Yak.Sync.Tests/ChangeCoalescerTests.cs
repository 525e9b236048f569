using Microsoft.Extensions.Time.Testing;
using Yak.Sync.Session;
using Yak.Sync.Watching;

namespace Yak.Sync.Tests;

public sealed class ChangeCoalescerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(20);

    [Fact]
    public void Fire_AfterQuiet_DeliversTheBatchWithWhenItsFirstChangeWasSeen()
    {
        var time = new FakeTimeProvider();
        var delivered = new List<ChangeBatch>();
        using var coalescer = new ChangeCoalescer(Quiet, Quiet * 8, paths => delivered.Add(Assert.IsType<ChangeBatch>(paths)), time);
        var first = time.GetTimestamp();

        coalescer.Add("a.txt");
        time.Advance(TimeSpan.FromMilliseconds(15));
        coalescer.Add("b.txt");
        time.Advance(TimeSpan.FromMilliseconds(15));
        Assert.Empty(delivered);
        time.Advance(Quiet);

        var batch = Assert.Single(delivered);
        Assert.Equal(["a.txt", "b.txt"], batch.Order(StringComparer.Ordinal));
        Assert.Equal(first, batch.FirstSeen);
        Assert.Equal(TimeSpan.FromMilliseconds(50), time.GetElapsedTime(batch.FirstSeen));
    }

    [Fact]
    public void Add_FirstChangeOfEachBatch_RunsStartedBeforeTheWait()
    {
        var time = new FakeTimeProvider();
        var delivered = 0;
        var startedBeforeDelivery = new List<int>();
        using var coalescer = new ChangeCoalescer(Quiet, Quiet * 8, _ => delivered++, time, () => startedBeforeDelivery.Add(delivered));

        coalescer.Add("a.txt");
        coalescer.Add("b.txt");
        Assert.Equal([0], startedBeforeDelivery); // once for the batch, before it is delivered
        time.Advance(Quiet);
        coalescer.Add("c.txt");
        time.Advance(Quiet);

        Assert.Equal(2, delivered);
        Assert.Equal([0, 1], startedBeforeDelivery);
    }

    [Fact]
    public void TakeWork_TwoBatches_CarriesTheEarliestChange()
    {
        var state = new SessionState(startPaused: false);
        state.TakeWork();

        state.MarkDirty(["b.txt"], seen: 200);
        state.MarkDirty(["a.txt"], seen: 100);
        var work = state.TakeWork();

        Assert.Equal(100, work.DirtySince);
        Assert.Null(state.TakeWork().DirtySince);
    }
}
