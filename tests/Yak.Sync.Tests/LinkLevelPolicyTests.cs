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
    public void Resume_AfterABurstGap_NextBurstStartsAtTheBottomWithAFreshWindow()
    {
        var policy = new LinkLevelPolicy();
        policy.Record(Window, compressSeconds: 0.036, elapsedSeconds: 0.42);
        policy.Record(Window, compressSeconds: 0.047, elapsedSeconds: 0.42);
        Assert.Equal(LinkLevelPolicy.HighestLevel, policy.Level);
        Assert.Null(policy.Record(Window / 2, compressSeconds: 0.01, elapsedSeconds: 100));

        Assert.True(policy.Resume(LinkLevelPolicy.BurstGapSeconds));

        Assert.Equal(LinkLevelPolicy.StartLevel, policy.Level);

        // The half window before the pause is forgotten: a fast burst stays at level 1 from its first window on.
        Assert.Null(policy.Record(Window / 2, compressSeconds: 0.018, elapsedSeconds: 0.03));
        Assert.Null(policy.Record(Window / 2, compressSeconds: 0.018, elapsedSeconds: 0.03));
        Assert.Equal(LinkLevelPolicy.StartLevel, policy.Level);
    }

    [Fact]
    public void Resume_ShortPauseWithinABurst_KeepsLevelAndWindow()
    {
        var policy = new LinkLevelPolicy();
        policy.Record(Window, compressSeconds: 0.036, elapsedSeconds: 0.42);
        policy.Record(Window - 1, compressSeconds: 0.040, elapsedSeconds: 0.40);

        Assert.False(policy.Resume(LinkLevelPolicy.BurstGapSeconds / 10));

        Assert.Equal(3, policy.Level);
        Assert.Equal(6, policy.Record(1, compressSeconds: 0.007, elapsedSeconds: 0.02));
    }

    [Fact]
    public void Resume_EditSessionSavesMinutesApart_NeverClimbs()
    {
        var policy = new LinkLevelPolicy();

        // 10 KiB saves a minute apart add up to many windows of idle time; each starts a burst of its own.
        for (var save = 0; save < 2 * Window / 10_240; save++)
        {
            policy.Resume(60);
            Assert.Null(policy.Record(10_240, compressSeconds: 0.0001, elapsedSeconds: 0.0002, () => 2.0));
        }

        Assert.Equal(LinkLevelPolicy.StartLevel, policy.Level);
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

/// <summary>The spare-CPU guard: a slow rate alone does not make the compressor take CPU the machine has not got.</summary>
public sealed class LinkLevelPolicyIdleTests
{
    private const long Window = LinkLevelPolicy.WindowBytes;

    [Fact]
    public void Record_SlowRateButNoIdleCore_StaysAtTheStartLevel()
    {
        var policy = new LinkLevelPolicy();

        // A pod on the laptop's own cluster: the agent and the API server's proxy keep both cores busy.
        Assert.Null(policy.Record(Window, compressSeconds: 0.036, elapsedSeconds: 0.25, idleCores: () => 0.1));
        Assert.Equal(LinkLevelPolicy.StartLevel, policy.Level);
    }

    [Fact]
    public void Record_SlowRateAndIdleCores_Climbs()
    {
        var policy = new LinkLevelPolicy();

        Assert.Equal(3, policy.Record(Window, compressSeconds: 0.036, elapsedSeconds: 0.42, idleCores: () => 1.6));
        Assert.Equal(6, policy.Record(Window, compressSeconds: 0.047, elapsedSeconds: 0.42, idleCores: () => 1.5));
    }

    [Fact]
    public void Record_MachineSaturatedAtAHigherLevel_StepsDown()
    {
        var policy = new LinkLevelPolicy();
        policy.Record(Window, 0.036, 0.42, () => 1.6);
        Assert.Equal(3, policy.Level);

        // The share alone would hold level 3; a build started beside the sync and took every core.
        Assert.Equal(1, policy.Record(Window, compressSeconds: 0.05, elapsedSeconds: 0.42, idleCores: () => 0.05));
    }

    [Fact]
    public void Record_IdleAskedOnlyWhenAWindowEnds()
    {
        var policy = new LinkLevelPolicy();
        var asked = 0;

        policy.Record(Window / 2, 0.01, 0.2, () => { asked++; return 2; });
        Assert.Equal(0, asked);
        policy.Record(Window / 2, 0.01, 0.2, () => { asked++; return 2; });
        Assert.Equal(1, asked);
    }
}

/// <summary>Reading the machine's idle time from /proc/stat's first line.</summary>
public sealed class IdleCpuTests
{
    [Fact]
    public void ParseIdleTicks_AggregateLine_AddsIdleAndIowait()
    {
        Assert.Equal(1_000_000L + 25L, IdleCpu.ParseIdleTicks("cpu  4705 356 584 1000000 25 0 12 0 0 0"));
    }

    [Theory]
    [InlineData("cpu0 4705 356 584 1000000 25 0 12 0 0 0")]
    [InlineData("cpu  4705 356 584")]
    [InlineData("cpu  4705 356 584 -1 25")]
    [InlineData("")]
    public void ParseIdleTicks_NotTheAggregateLine_Null(string line)
    {
        Assert.Null(IdleCpu.ParseIdleTicks(line));
    }

    [Fact]
    public void Sample_NoSuchFile_Null()
    {
        Assert.Null(new IdleCpu("/nonexistent/stat").Sample());
    }

    [Fact]
    public void Sample_ProcStat_IdleCoresWithinTheMachine()
    {
        var idle = new IdleCpu();
        Thread.Yield();

        var cores = idle.Sample();

        Assert.NotNull(cores);
        Assert.InRange(cores.Value, 0, Environment.ProcessorCount);
    }
}
