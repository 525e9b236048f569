using Yak.LocalCluster.Controllers;

namespace Yak.LocalCluster.Tests.Batch;

public sealed class CronScheduleTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static CronSchedule Parse(string text) =>
        CronSchedule.TryParse(text, out var error) ?? throw new InvalidOperationException(error);

    [Theory]
    [InlineData("*/15 * * * *", "2026-03-10T10:07:30Z", "2026-03-10T10:15:00Z")]
    [InlineData("0 3 * * *", "2026-03-10T03:00:00Z", "2026-03-11T03:00:00Z")]
    [InlineData("30 2 1 * *", "2026-03-10T00:00:00Z", "2026-04-01T02:30:00Z")]
    [InlineData("0 9 * * MON-FRI", "2026-03-13T09:00:00Z", "2026-03-16T09:00:00Z")]
    [InlineData("0 0 * JAN,JUL 7", "2026-03-10T00:00:00Z", "2026-07-05T00:00:00Z")]
    [InlineData("@hourly", "2026-03-10T10:59:59Z", "2026-03-10T11:00:00Z")]
    [InlineData("@yearly", "2026-03-10T10:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("0 0 20 * 3", "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z")]
    public void Next_Schedule_IsTheFollowingActivation(string schedule, string after, string expected)
    {
        var next = Parse(schedule).Next(Utc(after), TimeZoneInfo.Utc);

        Assert.Equal(Utc(expected), next);
    }

    [Fact]
    public void Next_TimeZone_ActivatesOnThatZonesWallClock()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

        var next = Parse("0 3 * * *").Next(Utc("2026-07-01T12:00:00Z"), paris);

        Assert.Equal(Utc("2026-07-02T01:00:00Z"), next);
    }

    [Fact]
    public void LatestDue_SeveralMissed_OnlyTheMostRecentIsRun()
    {
        var schedule = Parse("*/5 * * * *");

        var due = schedule.LatestDue(Utc("2026-03-10T10:00:00Z"), Utc("2026-03-10T10:23:00Z"), TimeZoneInfo.Utc);
        var none = schedule.LatestDue(Utc("2026-03-10T10:20:00Z"), Utc("2026-03-10T10:24:59Z"), TimeZoneInfo.Utc);

        Assert.Equal(Utc("2026-03-10T10:20:00Z"), due);
        Assert.Null(none);
    }

    [Theory]
    [InlineData("* * * *", "expected exactly 5 fields")]
    [InlineData("61 * * * *", "beyond the range 0-59")]
    [InlineData("*/0 * * * *", "invalid step")]
    [InlineData("0 0 * FOO *", "failed to parse")]
    [InlineData("@fortnightly", "unrecognized descriptor")]
    [InlineData("TZ=UTC 0 0 * * *", "use timeZone field instead")]
    public void TryParse_Invalid_ReturnsNullWithTheReason(string schedule, string reason)
    {
        var parsed = CronSchedule.TryParse(schedule, out var error);

        Assert.Null(parsed);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
