using Yak.Protocol.Transport;

namespace Yak.Protocol.Tests;

public sealed class WindowsPipeNameTests
{
    [Fact]
    public void ForUser_SameUser_IsStableAndCaseInsensitive()
    {
        Assert.Equal(WindowsPipeName.ForUser("CORP", "alice"), WindowsPipeName.ForUser("corp", "ALICE"));
        Assert.Matches("^yakd-[0-9a-f]{16}$", WindowsPipeName.ForUser("CORP", "alice"));
    }

    [Fact]
    public void ForUser_DifferentUsers_GetDifferentPipes()
    {
        Assert.NotEqual(WindowsPipeName.ForUser("CORP", "alice"), WindowsPipeName.ForUser("CORP", "bob"));
    }

    [Fact]
    public void SecurityDescriptor_AdmitsOnlyTheUserWithProtectedDacl()
    {
        const string Sid = "S-1-5-21-1004336348-1177238915-682003330-512";

        var sddl = WindowsPipeName.SecurityDescriptorFor(Sid);

        Assert.Equal($"O:{Sid}G:{Sid}D:P(A;;GA;;;{Sid})", sddl);
        Assert.DoesNotContain("WD", sddl, StringComparison.Ordinal); // Everyone
        Assert.DoesNotContain("BA", sddl, StringComparison.Ordinal); // Administrators
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("S-1-5-21 (A;;GA;;;WD)")]
    public void SecurityDescriptor_NotASid_Throws(string sid)
    {
        Assert.Throws<ArgumentException>(() => WindowsPipeName.SecurityDescriptorFor(sid));
    }
}
