using Yak.Environments.Compose;
using Yak.Environments.Diagnostics;
using Yak.Environments.Loading;
using Yak.Environments.Spec;
using Yak.Environments.Yaml;
using Yak.Testing;

namespace Yak.Environments.Tests;

public sealed class TextHelperTests
{
    [Theory]
    [InlineData("imgae", "image")]
    [InlineData("dependson", "dependsOn")]
    [InlineData("port", "ports")]
    [InlineData("readines", "readiness")]
    public void Suggest_CloseMisspellings_FindTheKey(string typo, string expected) =>
        Assert.Equal(expected, DidYouMean.Suggest(typo, Schema.YakKeys.Objects[Schema.YakKeys.Service]));

    [Fact]
    public void Suggest_UnrelatedWord_SuggestsNothing() =>
        Assert.Null(DidYouMean.Suggest("banana", Schema.YakKeys.Objects[Schema.YakKeys.Service]));

    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("sh -c 'echo \"x y\"'", new[] { "sh", "-c", "echo \"x y\"" })]
    [InlineData("echo \"a \\\"b\\\"\" c\\ d", new[] { "echo", "a \"b\"", "c d" })]
    [InlineData("  ", new string[0])]
    public void Split_ShellWords_FollowsQuoting(string text, string[] expected) =>
        Assert.Equal(expected, ShellWords.Split(text));

    [Fact]
    public void Split_UnclosedQuote_ReturnsNull() => Assert.Null(ShellWords.Split("echo 'x"));

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("1m30s", 90)]
    [InlineData("1h", 3600)]
    [InlineData("500ms", 1)]
    [InlineData("1.5s", 2)]
    public void DurationSeconds_ComposeDurations_AreRoundedUp(string text, int expected) =>
        Assert.Equal(expected, CommonReaders.DurationSeconds(text));

    [Theory]
    [InlineData("soon")]
    [InlineData("10")]
    [InlineData("")]
    public void DurationSeconds_NotADuration_IsNull(string text) => Assert.Null(CommonReaders.DurationSeconds(text));

    [Fact]
    public void Parse_EnvFile_HandlesCommentsQuotesAndExport()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("app.env");
        File.WriteAllText(path, "# comment\n\nA=1\nexport B = two \nC=\"quoted # not a comment\"\nD='single\\n'\nE=value # trailing\nA=override\nbad line\n");
        var bag = new DiagnosticBag("compose.yml");
        var vars = EnvFileParser.Parse(path, "app.env", bag);
        Assert.Equal(
            [new EnvVar("A", "override"), new EnvVar("B", "two"), new EnvVar("C", "quoted # not a comment"), new EnvVar("D", "single\\n"), new EnvVar("E", "value")],
            vars);
        Assert.Equal(["app.env:9:1: expected KEY=value, got \"bad line\""], bag.Errors.Select(e => e.ToString()));
    }
}
