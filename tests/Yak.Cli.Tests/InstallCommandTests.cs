using System.Text.Json;
using System.Xml.Linq;
using Yak.Testing;

namespace Yak.Cli.Tests;

public sealed class InstallCommandTests
{
    [Fact]
    public async Task Install_DryRunSystemd_PrintsNotifyServiceAndSocketUnitWithoutWriting()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "install", "--dry-run", "--init-system", "systemd").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(Path.Combine(sandbox.ConfigHome, "systemd", "user", "yakd.service"), result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Type=notify", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ListenStream=%t/yak/yakd.sock", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"ExecStart=\S*dotnet \S*yakd\.dll --background", result.StandardOutput);
        Assert.Contains("would run: systemctl --user enable --now yakd.socket", result.StandardOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(sandbox.ConfigHome, "systemd")), "a dry run writes nothing");
    }

    [Fact]
    public async Task Install_DryRunLaunchdJson_PlistIsValidAndKeepsAlive()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "install", "--dry-run", "--init-system", "launchd", "--output", "json").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var file = json.RootElement.GetProperty("files")[0];
        Assert.Equal(Path.Combine(sandbox.Root, "Library", "LaunchAgents", "dev.yak.yakd.plist"), file.GetProperty("path").GetString());
        var plist = XDocument.Parse(file.GetProperty("content").GetString()!);
        var keys = plist.Descendants("key").Select(k => k.Value).ToList();
        Assert.Contains("RunAtLoad", keys);
        Assert.Contains("KeepAlive", keys);
        var arguments = plist.Descendants("array").Single().Elements("string").Select(e => e.Value).ToList();
        Assert.EndsWith("yakd.dll", arguments[1], StringComparison.Ordinal);
        Assert.Equal("--background", arguments[^1]);
    }

    [Fact]
    public async Task Uninstall_DryRunSystemd_DisablesThenRemovesUnits()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "uninstall", "--dry-run", "--init-system", "systemd").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("would run: systemctl --user disable --now yakd.socket yakd.service", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("would remove " + Path.Combine(sandbox.ConfigHome, "systemd", "user", "yakd.socket"), result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/usr/bin/yakd", "/usr/bin/yakd")]
    [InlineData("/opt/my apps/yakd", "\"/opt/my apps/yakd\"")]
    [InlineData("/opt/100%/yakd", "\"/opt/100%%/yakd\"")]
    public void SystemdQuote_SpecialCharacters_AreEscaped(string word, string expected)
    {
        Assert.Equal(expected, Yak.Cli.Install.ServiceDefinitions.SystemdQuote(word));
    }
}
