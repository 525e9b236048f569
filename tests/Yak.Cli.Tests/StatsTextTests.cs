using Yak.Cli.Output;

namespace Yak.Cli.Tests;

public sealed class StatsTextTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("24h", 86_400)]
    [InlineData("7d", 604_800)]
    [InlineData("2w", 1_209_600)]
    [InlineData("3", 259_200)]
    [InlineData("1.5h", 5400)]
    public void ParseWindow_NumberAndUnit_Duration(string text, double seconds) =>
        Assert.Equal(seconds, StatsText.ParseWindow(text)!.Value.TotalSeconds);

    [Theory]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("-1d")]
    [InlineData("7y")]
    [InlineData("9999d")]
    public void ParseWindow_NotADuration_Null(string text) => Assert.Null(StatsText.ParseWindow(text));

    [Theory]
    [InlineData(840, "840 ms")]
    [InlineData(3240, "3.2 s")]
    [InlineData(125_000, "2m05s")]
    public void Ms_Durations_AsAPersonReadsThem(double ms, string expected) => Assert.Equal(expected, StatsText.Ms(ms));
}
