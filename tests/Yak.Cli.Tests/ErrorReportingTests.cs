using System.Text.Json;
using Yak.Protocol.Errors;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>Every error yakctl prints carries its code, a fix and the page to read; <c>yakctl explain</c> prints the page.</summary>
public sealed class ErrorReportingTests
{
    [Fact]
    public async Task Explain_KnownCodeInAnyCase_PrintsItsPage()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "explain", "yak2004").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        var page = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "errors", "YAK2004.md"));
        Assert.Equal(page, result.StandardOutput);
        Assert.Empty(sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task Explain_Json_CarriesCodeTitleFixAndText()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "explain", "YAK1201", "-o", "json").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(result.StandardOutput).RootElement;
        Assert.Equal("YAK1201", json.GetProperty("code").GetString());
        Assert.Equal(YakErrors.ClusterUnreachable.Title, json.GetProperty("title").GetString());
        Assert.Equal(YakErrors.ClusterUnreachable.Fix, json.GetProperty("fix").GetString());
        Assert.Equal("docs/errors/YAK1201.md", json.GetProperty("page").GetString());
        Assert.StartsWith("# YAK1201: ", json.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_NoCode_ListsEveryCode()
    {
        using var sandbox = new YakSandbox();

        var text = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "explain").DefaultTimeout();
        var json = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "explain", "-o", "json").DefaultTimeout();

        Assert.Equal(YakErrors.All.Select(e => $"{e.Code}  {e.Title}"), text.StandardOutput.TrimEnd('\n').Split('\n'));
        Assert.Equal(YakErrors.All.Select(e => e.Code), JsonDocument.Parse(json.StandardOutput).RootElement.EnumerateArray().Select(e => e.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Explain_UnknownCode_UsageErrorWithItsOwnCode()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "explain", "YAK9998").DefaultTimeout();

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error YAK1101: 'YAK9998' is not an error code of this yakctl.\nfix: 'yakctl explain' lists every code.\nsee: yakctl explain YAK1101\n",
            result.StandardError);
    }

    [Fact]
    public async Task ParseError_UnknownOption_CodeAndTheCommandsHelpAsFix()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "forward", "list", "--no-such-option").DefaultTimeout();

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error YAK1101: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--no-such-option", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("fix: 'yakctl forward list --help' shows the arguments and options.", result.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("see: yakctl explain YAK1101\n", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoDaemon_AutostartOff_CodeAndFix()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "forward", "list").DefaultTimeout();

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error YAK1001: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("fix: YAK_NO_AUTOSTART=1 is set; start it with 'yakctl daemon start'.", result.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("see: yakctl explain YAK1001\n", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DaemonError_UnknownForward_CodeFromTheRpcErrorData()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "forward", "remove", "no-such-forward").DefaultTimeout();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error YAK1103: No forward named 'no-such-forward'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"fix: {YakErrors.NotFound.Fix}", result.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("see: yakctl explain YAK1103\n", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DaemonError_SyncSessionNameTaken_SpecificCode()
    {
        using var sandbox = new YakSandbox();
        var local = Directory.CreateDirectory(Path.Combine(sandbox.Root, "src")).FullName;
        var replica = Path.Combine(sandbox.Root, "replica");
        var first = await Yakctl.RunAsync(sandbox, "sync", "create", local, "local:" + replica, "--name", "twice").DefaultTimeout();
        Assert.True(first.ExitCode == 0, first.ToString());

        var second = await Yakctl.RunAsync(sandbox, "sync", "create", local, "local:" + Path.Combine(sandbox.Root, "other"), "--name", "twice").DefaultTimeout();

        Assert.Equal(1, second.ExitCode);
        Assert.StartsWith("error YAK1105: A sync session named 'twice' already exists", second.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("see: yakctl explain YAK1105\n", second.StandardError, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "YakDaemon.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("YakDaemon.sln not found above the test folder");
    }
}
