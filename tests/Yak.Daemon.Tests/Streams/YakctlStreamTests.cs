using System.Text.Json;
using Yak.Testing;

namespace Yak.Daemon.Tests.Streams;

/// <summary>
/// yakctl logs/exec as a user runs them (the real yakctl process against a sandboxed yakd and the local cluster).
/// They live here rather than in Yak.Cli.Tests because they need the local cluster, which that project does not reference.
/// </summary>
public sealed class YakctlStreamTests : IAsyncLifetime
{
    private StreamsFixture fixture = null!;

    public async Task InitializeAsync() => fixture = await StreamsFixture.StartAsync();

    public async Task DisposeAsync() => await fixture.DisposeAsync();

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 7", 7)]
    [InlineData("exec no-such-command-for-yak", 127)]
    public async Task Exec_RemoteExitCode_IsYakctlsExitCode(string script, int expected)
    {
        var result = await YakctlAsync(["exec", "pod/shell", .. Direct(), "--", "sh", "-c", script]);

        Assert.True(result.ExitCode == expected, result.ToString());
    }

    [Fact]
    public async Task Exec_StdoutAndStderr_GoToYakctlsOwn()
    {
        var result = await YakctlAsync(["exec", "pod/shell", .. Direct(), "--", "sh", "-c", "echo out; echo err >&2"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
    }

    [Fact]
    public async Task Exec_StdinNotATerminal_IsPipedToItsEnd()
    {
        // The runner gives yakctl a closed stdin: cat must see its end and the command finish.
        var result = await YakctlAsync(["exec", "pod/shell", .. Direct(), "--", "sh", "-c", "cat; echo end"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("end\n", result.StandardOutput);
    }

    [Fact]
    public async Task Logs_Tail_PrintsTheLastLines()
    {
        var result = await YakctlAsync(["logs", "pod/shell", .. Direct(), "--tail", "2"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("two\nthree\n", result.StandardOutput);
    }

    [Fact]
    public async Task Logs_OutputJson_OneObjectPerLine()
    {
        var result = await YakctlAsync("logs", "shell", "--selector", "app=shell", "--namespace", "default", "--kubeconfig", fixture.Cluster.Host.KubeconfigPath, "--context", "yak-local", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("shell", first.RootElement.GetProperty("pod").GetString());
        Assert.Equal("app", first.RootElement.GetProperty("container").GetString());
        Assert.Equal("one", first.RootElement.GetProperty("line").GetString());
        Assert.False(string.IsNullOrEmpty(first.RootElement.GetProperty("time").GetString()));
    }

    [Fact]
    public async Task Test_WithoutAnEnvironmentService_SaysItNeedsSyncedCode()
    {
        var result = await YakctlAsync(["test", "pod/shell", .. Direct(), "--", "true"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sync mapping", result.StandardError, StringComparison.Ordinal);
    }

    private string[] Direct() => ["--namespace", "default", "--kubeconfig", fixture.Cluster.Host.KubeconfigPath, "--context", "yak-local"];

    private Task<ProcessResult> YakctlAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. arguments], fixture.Sandbox.Environment(autostart: false))).DefaultTimeout();
}
