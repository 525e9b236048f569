using Yak.Daemon.Diagnostics;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Tests.Diagnostics;

/// <summary>The clock check's judgement of the API server's Date header (pure logic: a real server's clock cannot be moved).</summary>
public sealed class ClockSkewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, DoctorStatus.Pass, "in step with the API server")]
    [InlineData(-3, DoctorStatus.Pass, "this machine is 3 s behind the API server")]
    [InlineData(20, DoctorStatus.Warn, "this machine is 20 s ahead of the API server")]
    [InlineData(-600, DoctorStatus.Fail, "this machine is 600 s behind the API server")]
    public void Skew_ServerDateOffBy_JudgedAndSaid(int serverBehindSeconds, DoctorStatus status, string message)
    {
        var check = ClusterChecks.Skew("cluster lab", Now.AddSeconds(-serverBehindSeconds), Now);

        Assert.Equal(("cluster lab: clock", status, message), (check.Name, check.Status, check.Message));
        Assert.Equal(status == DoctorStatus.Pass ? null : "YAK1207", check.Code);
    }

    [Fact]
    public void Skew_NoDateHeader_PassSayingSo()
    {
        var check = ClusterChecks.Skew("cluster lab", null, Now);

        Assert.Equal(DoctorStatus.Pass, check.Status);
        Assert.Contains("no Date header", check.Message, StringComparison.Ordinal);
    }
}
