using System.Text.RegularExpressions;
using Yak.Environments.Naming;

namespace Yak.Environments.Tests;

public sealed partial class KubeNamesTests
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [Theory]
    [InlineData("alice", "shop", "yak-alice-shop")]
    [InlineData("Alice.Smith", "Shop_Front", "yak-alice-smith-shop-front")]
    [InlineData("jürgen müller", "web", "yak-jurgen-muller-web")]
    [InlineData("--bob--", "--x--", "yak-bob-x")]
    public void Namespace_OrdinaryNames_AreFoldedToDnsLabels(string user, string env, string expected) =>
        Assert.Equal(expected, KubeNames.Namespace(user, env));

    [Fact]
    public void Namespace_NonLatinUser_GetsAHashInsteadOfNothing()
    {
        var yamada = KubeNames.Namespace("山田", "shop");
        var tanaka = KubeNames.Namespace("田中", "shop");
        Assert.Matches("^yak-x[0-9a-f]{8}-shop$", yamada);
        Assert.NotEqual(yamada, tanaka);
        Assert.Matches(DnsLabel(), yamada);
    }

    [Fact]
    public void Namespace_LongNames_AreTruncatedWithAHashAndStayDistinct()
    {
        var user = new string('a', 40);
        var first = KubeNames.Namespace(user, new string('b', 40) + "1");
        var second = KubeNames.Namespace(user, new string('b', 40) + "2");
        Assert.Equal(63, first.Length);
        Assert.Matches(DnsLabel(), first);
        Assert.Matches("-[0-9a-f]{8}$", first);
        Assert.NotEqual(first, second);
        Assert.Equal(first, KubeNames.Namespace(user, new string('b', 40) + "1"));
    }

    [Fact]
    public void Label_TruncationNeverLeavesATrailingDash()
    {
        var label = KubeNames.Label(new string('a', 53) + "-" + new string('b', 20));
        Assert.True(label.Length <= 63);
        Assert.Matches(DnsLabel(), label);
        Assert.DoesNotContain("--", label, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_UppercaseAndSymbols_AreLowercasedAndDashed() =>
        Assert.Equal("my-web-app-2", KubeNames.Label("My Web@App (2)"));
}
