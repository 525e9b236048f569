using System.Text.Json;
using Yak.Cli.Output;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>
/// The everyday read commands run without the command tree: only their plain shapes are taken, and what they print
/// is what the full parser's way prints (<c>--output=json</c> is a spelling only the full parser reads).
/// </summary>
public sealed class QuickReadsTests
{
    [Theory]
    [InlineData("status", "EnvironmentStatus", "Text", null, null)]
    [InlineData("status shop -o JSON", "EnvironmentStatus", "Json", "shop", null)]
    [InlineData("--output json status -f app/yak.yaml", "EnvironmentStatus", "Json", null, "app/yak.yaml")]
    [InlineData("daemon status --output text", "DaemonStatus", "Text", null, null)]
    [InlineData("version -o json", "Version", "Json", null, null)]
    public void Parse_PlainReadCommand_IsTaken(string args, string command, string format, string? name, string? specFile)
    {
        var read = QuickReads.Parse(Words(args));

        Assert.Equal(new QuickReads.QuickRead(Enum.Parse<QuickReads.Read>(command), Enum.Parse<OutputFormat>(format), name, specFile), read);
    }

    [Theory]
    [InlineData("status --help")]
    [InlineData("status -h")]
    [InlineData("status --output=json")]
    [InlineData("status --output yaml")]
    [InlineData("status --output")]
    [InlineData("status a b")]
    [InlineData("status -f")]
    [InlineData("status -f a -f b")]
    [InlineData("status @args.rsp")]
    [InlineData("daemon status extra")]
    [InlineData("daemon stop")]
    [InlineData("version -f x")]
    [InlineData("up")]
    [InlineData("")]
    public void Parse_AnythingElse_IsLeftToTheFullParser(string args)
    {
        Assert.Null(QuickReads.Parse(Words(args)));
    }

    [Fact]
    public async Task Status_RunningDaemon_PrintsWhatTheFullParserPrints()
    {
        using var sandbox = new YakSandbox();
        var started = await Yakctl.RunAsync(sandbox, "daemon", "start").DefaultTimeout();
        Assert.True(started.ExitCode == 0, started.ToString());

        var quickJson = await Yakctl.RunAsync(sandbox, "status", "--output", "json").DefaultTimeout();
        var fullJson = await Yakctl.RunAsync(sandbox, "status", "--output=json").DefaultTimeout();
        var quickText = await Yakctl.RunAsync(sandbox, "status").DefaultTimeout();
        var fullText = await Yakctl.RunAsync(sandbox, "status", "--output=text").DefaultTimeout();

        Assert.True(quickJson.ExitCode == 0, quickJson.ToString());
        Assert.True(fullJson.ExitCode == 0, fullJson.ToString());
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(quickJson.StandardOutput).RootElement.ValueKind);
        Assert.Equal(fullJson.StandardOutput, quickJson.StandardOutput);
        Assert.True(quickText.ExitCode == 0, quickText.ToString());
        Assert.Equal(fullText.StandardOutput, quickText.StandardOutput);
    }

    [Fact]
    public async Task Status_UnknownEnvironment_ReportsTheDaemonsErrorAsTheFullParserDoes()
    {
        using var sandbox = new YakSandbox();
        var started = await Yakctl.RunAsync(sandbox, "daemon", "start").DefaultTimeout();
        Assert.True(started.ExitCode == 0, started.ToString());

        var quick = await Yakctl.RunAsync(sandbox, "status", "nope").DefaultTimeout();
        var full = await Yakctl.RunAsync(sandbox, "status", "nope", "--output=text").DefaultTimeout();

        Assert.NotEqual(0, quick.ExitCode);
        Assert.Equal(full.ExitCode, quick.ExitCode);
        Assert.Contains("nope", quick.StandardError, StringComparison.Ordinal);
        Assert.Equal(full.StandardError, quick.StandardError);
    }

    [Fact]
    public async Task Version_RunningDaemon_PrintsWhatTheFullParserPrints()
    {
        using var sandbox = new YakSandbox();
        var started = await Yakctl.RunAsync(sandbox, "daemon", "start").DefaultTimeout();
        Assert.True(started.ExitCode == 0, started.ToString());

        var quick = await Yakctl.RunAsync(sandbox, "version", "--output", "json").DefaultTimeout();
        var full = await Yakctl.RunAsync(sandbox, "version", "--output=json").DefaultTimeout();

        Assert.True(quick.ExitCode == 0, quick.ToString());
        Assert.Equal(full.StandardOutput, quick.StandardOutput);
        Assert.NotNull(JsonDocument.Parse(quick.StandardOutput).RootElement.GetProperty("daemon").GetString());
    }

    private static string[] Words(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
