using Yak.Sync.Compression;

namespace Yak.Sync.Tests;

/// <summary>The link stream's level follows what compressing costs at the rate data leaves; times are given, not measured.</summary>
public sealed class LinkLevelPolicyTests
{
    private const long Window = LinkLevelPolicy.WindowBytes;

    [Fact]
    public void Record_BeforeTheWindowEnds_DecidesNothing()
    {
        var policy = new LinkLevelPolicy();

        Assert.Null(policy.Record(Window - 1, compressSeconds: 0.01, elapsedSeconds: 10));
        Assert.Equal(LinkLevelPolicy.StartLevel, policy.Level);
    }

    [Fact]
    public void Record_SlowLink_ClimbsTheLadderOneStepPerWindowThenStays()
    {
        var policy = new LinkLevelPolicy();

        // 50 Mbit/s: 8 MiB of source text leaves in ~0.42 s; level 1 compresses it in ~0.036 s, level 3 in ~0.047 s,
        // level 6 in ~0.14 s (a third of the window: the link still waits on nothing but itself).
        Assert.Equal(3, policy.Record(Window, compressSeconds: 0.036, elapsedSeconds: 0.42));
        Assert.Equal(6, policy.Record(Window, compressSeconds: 0.047, elapsedSeconds: 0.42));
        Assert.Null(policy.Record(Window, compressSeconds: 0.14, elapsedSeconds: 0.40));
        Assert.Equal(LinkLevelPolicy.HighestLevel, policy.Level);
    }

    [Fact]
    public void Record_DataLeavesFast_StaysAtTheStartLevel()
    {
        var policy = new LinkLevelPolicy();

        // A pod on the same machine: 8 MiB leaves every ~0.06 s, level 1 needs 0.036 s of it.
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(policy.Record(Window, compressSeconds: 0.036, elapsedSeconds: 0.06));
        }

        Assert.Equal(LinkLevelPolicy.StartLevel, policy.Level);
    }

    [Fact]
    public void Record_ManyWritesInAWindow_DecideOnTheirSums()
    {
        var policy = new LinkLevelPolicy();
        const int writes = 128;
        for (var i = 0; i < writes - 1; i++)
        {
            Assert.Null(policy.Record(Window / writes, compressSeconds: 0.036 / writes, elapsedSeconds: 0.42 / writes));
        }

        Assert.Equal(3, policy.Record(Window - (Window / writes * (writes - 1)), compressSeconds: 0.036 / writes, elapsedSeconds: 0.42 / writes));
    }

    [Fact]
    public void Record_CompressingTakesMostOfTheTime_StepsDown()
    {
        var policy = new LinkLevelPolicy();
        policy.Record(Window, 0.036, 0.42);
        policy.Record(Window, 0.047, 0.42);

        // The data started leaving faster (a burst after idling, a faster network): level 6 now holds it up.
        Assert.Equal(3, policy.Record(Window, compressSeconds: 0.14, elapsedSeconds: 0.15));
        Assert.Equal(1, policy.Record(Window, compressSeconds: 0.047, elapsedSeconds: 0.05));
        Assert.Null(policy.Record(Window, compressSeconds: 0.036, elapsedSeconds: 0.04));
    }

    [Fact]
    public void Record_BetweenTheShares_HoldsItsLevel()
    {
        var policy = new LinkLevelPolicy();
        policy.Record(Window, 0.036, 0.42);
        Assert.Equal(3, policy.Level);

        // Level 3 at 60 % of the window: too busy to climb (level 6 would need ~180 %), not busy enough to step down.
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(policy.Record(Window, compressSeconds: 0.06, elapsedSeconds: 0.1));
        }

        Assert.Equal(3, policy.Level);
    }

    [Fact]
    public void Record_NoTimeMeasured_StaysWhereItIs()
    {
        var policy = new LinkLevelPolicy();

        // A clock too coarse to see the window: no evidence either way is read as "busy", never as "idle".
        Assert.Null(policy.Record(Window, compressSeconds: 0, elapsedSeconds: 0));
        Assert.Equal(LinkLevelPolicy.StartLevel, policy.Level);
    }
}
