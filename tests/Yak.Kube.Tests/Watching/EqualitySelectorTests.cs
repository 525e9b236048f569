using Yak.Kube.Watching;

namespace Yak.Kube.Tests.Watching;

public sealed class EqualitySelectorTests
{
    [Theory]
    [InlineData("a=1,b=2", true)]
    [InlineData("a==1", true)]
    [InlineData(" a = 1 ", true)]
    [InlineData("a=2", false)]
    [InlineData("c=1", false)]
    [InlineData("", true)]
    public void Matches_Labels_AsTheApiServerWouldList(string selector, bool expected) =>
        Assert.Equal(expected, EqualitySelector.Parse(selector).Matches(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }));

    [Fact]
    public void Matches_NoLabels_OnlyTheEmptySelector()
    {
        Assert.True(EqualitySelector.Parse(string.Empty).Matches(null));
        Assert.False(EqualitySelector.Parse("a=1").Matches(null));
    }

    [Theory]
    [InlineData("a!=1")]
    [InlineData("a in (1,2)")]
    [InlineData("=1")]
    public void Parse_NotAnEquality_Refused(string selector) =>
        Assert.Throws<ArgumentException>(() => EqualitySelector.Parse(selector));
}
