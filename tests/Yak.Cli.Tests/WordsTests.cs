using System.Text.Json;
using Yak.Cli.Output;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>What yakctl says: help, --output values, errors for bad input, JSON as a reader expects it.</summary>
public sealed class WordsTests
{
    [Fact]
    public async Task Output_UnknownValue_IsAUsageErrorListingTheValues()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "status", "-o", "yaml").DefaultTimeout();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--output takes text or json, not 'yaml'", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("OutputFormat", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_OutputAndTimeout_LowercaseValuesAndOneDefault()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "up", "--help").DefaultTimeout();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--output <text|json>", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(default: 300)", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: 0]", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Text]", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusHelp_OptionalName_ShownOptional()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "status", "--help").DefaultTimeout();

        Assert.Contains("status [<name>]", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_MissingSpecFile_SaysSoBeforeStartingTheLocalCluster()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "up", "--local", "-f", "no-such-dir/yak.yaml").DefaultTimeout();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-dir/yak.yaml: no such file or folder", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(":1:1", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(sandbox.StateHome, "yak", "local-cluster")), "no local cluster was started");
        Assert.Empty(sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task DaemonLogs_Json_OneObjectPerLineWithLevelAndMessage()
    {
        using var sandbox = new YakSandbox();
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "status").DefaultTimeout()).ExitCode);
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "stop").DefaultTimeout()).ExitCode);

        var result = await Yakctl.RunAsync(sandbox, "daemon", "logs", "-o", "json").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        var entries = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var listening = Assert.Single(entries, e => e.GetProperty("message").GetString()!.Contains("listening on " + sandbox.SocketPath, StringComparison.Ordinal));
        Assert.Equal("information", listening.GetProperty("level").GetString());
        Assert.Equal(JsonValueKind.String, listening.GetProperty("time").ValueKind);
    }

    [Fact]
    public async Task DaemonLogs_RoutineConnections_NotLoggedAtInformation()
    {
        using var sandbox = new YakSandbox();
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "status").DefaultTimeout()).ExitCode);
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "status").DefaultTimeout()).ExitCode);
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "stop").DefaultTimeout()).ExitCode);

        var result = await Yakctl.RunAsync(sandbox, "daemon", "logs").DefaultTimeout();

        Assert.Contains("listening on", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(" is yakctl ", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 1, "web: rolling out (1 of 1 ready)")]
    [InlineData(0, 2, "web: rolling out (0 of 2 ready)")]
    public void ProgressLine_RollingOut_NeverMoreReadyThanWanted(int ready, int desired, string expected) =>
        Assert.Equal(expected, Yak.Cli.Output.EnvironmentText.ProgressLine("web", "rollingOut", ready, desired));

    [Fact]
    public void WriteJson_QuotesAndMarkup_WrittenAsTheyAre()
    {
        using var text = new StringWriter();

        new CliOutput(text, TextWriter.Null, OutputFormat.Json).WriteJson(new SyncTerminatedOutput("say \"hi\" to <web> & café"));

        Assert.Contains("\"say \\\"hi\\\" to <web> & café\"", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DaemonLogLine_TemplateLine_ParsedIntoFields()
    {
        var line = DaemonLogLine.Parse("2026-12-01 14:00:00.123 +00:00 [WRN] Yak.Daemon.Rpc: client 3 sent \"x\": y");

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 14, 0, 0, 123, TimeSpan.Zero), line.Time);
        Assert.Equal("warning", line.Level);
        Assert.Equal("Yak.Daemon.Rpc", line.Source);
        Assert.Equal("client 3 sent \"x\": y", line.Message);
    }

    [Fact]
    public void DaemonLogLine_ContinuationLine_OnlyMessage()
    {
        var line = DaemonLogLine.Parse("   at Yak.Daemon.Something()");

        Assert.Null(line.Time);
        Assert.Null(line.Level);
        Assert.Equal("   at Yak.Daemon.Something()", line.Message);
    }
}
