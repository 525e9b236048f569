using System.Text.Json;
using Yak.Testing;

namespace Yak.Cli.Tests;

public sealed class DaemonCommandTests
{
    [Fact]
    public async Task Status_JsonOutput_AutostartsAndPrintsPidVersionSocket()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "status", "--output", "json").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var pid = json.RootElement.GetProperty("pid").GetInt32();
        Assert.Contains(pid, sandbox.RunningDaemonPids());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("version").GetString()));
        Assert.Equal(sandbox.SocketPath, json.RootElement.GetProperty("socket").GetString());
        Assert.Contains("Starting yakd", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AutostartInAFreshHome_EverythingCreatedIsPrivate()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "status").DefaultTimeout();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "stop").DefaultTimeout()).ExitCode);

        var created = new[] { Path.Combine(sandbox.StateHome, "yak"), Path.Combine(sandbox.RuntimeDirectory, "yak"), Path.Combine(sandbox.ConfigHome, "yak") }
            .Where(Directory.Exists)
            .SelectMany(root => new[] { root }.Concat(Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)))
            .ToList();
        Assert.Contains(Path.Combine(sandbox.StateHome, "yak", "logs", "yakd-start.log"), created);
        Assert.All(created, path =>
        {
            var mode = File.GetUnixFileMode(path);
            Assert.True((mode & (UnixFileMode)0b_000_111_111) == 0, $"{path} is {Convert.ToString((int)mode, 8)}: others may read or enter it");
        });
        Assert.Equal((UnixFileMode)0b_111_000_000, File.GetUnixFileMode(sandbox.StateHome));
    }

    [Fact]
    public async Task Status_ManyClientsAtOnce_StartExactlyOneDaemon()
    {
        using var sandbox = new YakSandbox();

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Yakctl.RunAsync(sandbox, "daemon", "status", "-o", "json")))
            .WithTimeout(TimeSpan.FromSeconds(120));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var pids = results.Select(r => JsonDocument.Parse(r.StandardOutput).RootElement.GetProperty("pid").GetInt32()).Distinct().ToList();
        Assert.Single(pids);
        Assert.Equal(pids, sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task Status_WithAutostartDisabledAndNoDaemon_ExitsDaemonUnavailable()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "daemon", "status").DefaultTimeout();

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("YAK_NO_AUTOSTART=1", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task Stop_RunningDaemon_StopsItAndRemovesSocket()
    {
        using var sandbox = new YakSandbox();
        var started = await Yakctl.RunAsync(sandbox, "daemon", "start", "-o", "json").DefaultTimeout();
        Assert.True(started.ExitCode == 0, started.ToString());
        var pid = JsonDocument.Parse(started.StandardOutput).RootElement.GetProperty("pid").GetInt32();

        var stopped = await Yakctl.RunAsync(sandbox, "daemon", "stop", "-o", "json").DefaultTimeout();

        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        using var json = JsonDocument.Parse(stopped.StandardOutput);
        Assert.True(json.RootElement.GetProperty("stopped").GetBoolean());
        Assert.Equal(pid, json.RootElement.GetProperty("pid").GetInt32());
        Assert.Empty(sandbox.RunningDaemonPids());
        Assert.False(File.Exists(sandbox.SocketPath));
    }

    [Fact]
    public async Task Stop_NoDaemon_SaysSoAndSucceedsWithoutStartingOne()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "stop").DefaultTimeout();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("not running", result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task Logs_AfterStart_ShowTheStartupLine()
    {
        using var sandbox = new YakSandbox();
        var status = await Yakctl.RunAsync(sandbox, "daemon", "status").DefaultTimeout();
        Assert.Equal(0, status.ExitCode);
        // Stopping flushes Serilog, so the file is complete when stop returns.
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "stop").DefaultTimeout()).ExitCode);

        var logs = await Yakctl.RunAsync(sandbox, "daemon", "logs", "--tail", "50").DefaultTimeout();

        Assert.Equal(0, logs.ExitCode);
        Assert.Contains("listening on " + sandbox.SocketPath, logs.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_Json_WithoutDaemon_ReportsClientOnly()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "version", "--output", "json").DefaultTimeout();

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(1, json.RootElement.GetProperty("protocolVersion").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("daemon").ValueKind);
        Assert.Empty(sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task UnknownCommand_ExitsWithUsage()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "explode").DefaultTimeout();

        Assert.Equal(2, result.ExitCode);
    }
}
