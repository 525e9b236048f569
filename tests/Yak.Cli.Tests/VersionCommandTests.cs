using System.Diagnostics;
using System.Text.Json;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary><c>yakctl version</c>, <c>--version</c> and <c>daemon restart</c> against real daemons (and one stand-in from the past).</summary>
public sealed class VersionCommandTests
{
    [Fact]
    public async Task VersionOption_Always_PrintsTheVersionCommandsClientVersion()
    {
        using var sandbox = new YakSandbox();

        var option = await Yakctl.RunAsync(sandbox, "--version").DefaultTimeout();
        var command = await Yakctl.RunAsync(sandbox, "version", "-o", "json").DefaultTimeout();

        Assert.True(option.ExitCode == 0, option.ToString());
        Assert.True(command.ExitCode == 0, command.ToString());
        var client = JsonDocument.Parse(command.StandardOutput).RootElement.GetProperty("client").GetString();
        Assert.Matches(@"^\d+\.\d+\.\d+", client);
        Assert.Equal(client, option.StandardOutput.Trim());
    }

    [Fact]
    public async Task Version_DaemonWithSyncSession_ReportsDaemonAndTheSessionsAgent()
    {
        using var sandbox = new YakSandbox();
        using var source = new TempDirectory();
        using var replica = new TempDirectory();
        var created = await Yakctl.RunAsync(sandbox, "sync", "create", source.Path, "local:" + replica.Path, "--name", "site").DefaultTimeout();
        Assert.True(created.ExitCode == 0, created.ToString());

        var report = await WaitForAgentAsync(sandbox, "site");

        Assert.Equal(report.GetProperty("client").GetString(), report.GetProperty("daemon").GetString());
        Assert.True(report.GetProperty("daemonMatches").GetBoolean());
        Assert.Contains(report.GetProperty("daemonPid").GetInt32(), sandbox.RunningDaemonPids());
        var agent = report.GetProperty("agents").EnumerateArray().Single();
        Assert.Equal("site", agent.GetProperty("session").GetString());
        Assert.StartsWith(report.GetProperty("client").GetString()!, agent.GetProperty("agentVersion").GetString(), StringComparison.Ordinal);
        Assert.True(agent.GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task Version_OlderDaemon_SaysSoAndNamesRestart()
    {
        using var sandbox = new YakSandbox();
        using var standIn = new StandInDaemon(sandbox, "old.sock");
        var serve = standIn.ServeAsync(AddOldDaemon);

        var result = await Yakctl.RunAsync(standIn.Environment, "version", "-o", "json").DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("0.0.1", json.RootElement.GetProperty("daemon").GetString());
        Assert.False(json.RootElement.GetProperty("daemonMatches").GetBoolean());
        Assert.Contains("the running yakd is 0.0.1", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("yakctl daemon restart", result.StandardError, StringComparison.Ordinal);
        await serve.DefaultTimeout();
    }

    [Fact]
    public async Task DaemonStatus_OlderDaemonAnswerLacksMembers_VersionMismatchNamesRestart()
    {
        using var sandbox = new YakSandbox();
        using var standIn = new StandInDaemon(sandbox, "old.sock");

        // Two connections: yakctl's quick single call, which gives up on an answer it cannot read, then its DaemonClient.
        var serve = standIn.ServeAsync(AddOldDaemon, connections: 2);

        var result = await Yakctl.RunAsync(standIn.Environment, "daemon", "status").DefaultTimeout();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"error {YakErrors.VersionMismatch.Code}: the running yakd is 0.0.1", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(Methods.DaemonStatus, result.StandardError, StringComparison.Ordinal);
        Assert.Contains("fix: 'yakctl daemon restart'", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("bug", result.StandardError, StringComparison.Ordinal);
        await serve.DefaultTimeout();
    }

    [Fact]
    public async Task DaemonStop_OlderDaemonStatusUnreadable_StopsItByItsPidFile()
    {
        using var sandbox = new YakSandbox();
        using var standIn = new StandInDaemon(sandbox, "old.sock");

        // The old yakd's process: what its pid file names and what 'daemon stop' waits for.
        using var oldProcess = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(sandbox.Root, "yakd.pid"), $"{oldProcess.Id}\n");
            var serve = standIn.ServeAsync(rpc =>
            {
                AddOldDaemon(rpc);
                var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                rpc.AddLocalRpcMethod(Methods.DaemonShutdown, new Func<string, object>(reason =>
                {
                    oldProcess.Kill();
                    oldProcess.WaitForExit();
                    stopped.TrySetResult();
                    return new { stopping = true }; // without the pid a newer client requires
                }));
                return stopped.Task;
            });

            var result = await Yakctl.RunAsync(standIn.Environment, "daemon", "stop", "-o", "json").DefaultTimeout();

            Assert.True(result.ExitCode == 0, result.ToString());
            using var json = JsonDocument.Parse(result.StandardOutput);
            Assert.True(json.RootElement.GetProperty("stopped").GetBoolean(), result.StandardOutput);
            Assert.Equal(oldProcess.Id, json.RootElement.GetProperty("pid").GetInt32());
            Assert.True(oldProcess.HasExited);
            await serve.DefaultTimeout();
        }
        finally
        {
            if (!oldProcess.HasExited)
            {
                oldProcess.Kill();
            }
        }
    }

    [Fact]
    public async Task Restart_RunningDaemonWithSession_NewProcessResumesTheSession()
    {
        using var sandbox = new YakSandbox();
        using var source = new TempDirectory();
        using var replica = new TempDirectory();
        var created = await Yakctl.RunAsync(sandbox, "sync", "create", source.Path, "local:" + replica.Path, "--name", "site").DefaultTimeout();
        Assert.True(created.ExitCode == 0, created.ToString());
        var oldPid = Assert.Single(sandbox.RunningDaemonPids());

        var restarted = await Yakctl.RunAsync(sandbox, "daemon", "restart", "-o", "json").WithTimeout(TimeSpan.FromSeconds(60));

        Assert.True(restarted.ExitCode == 0, restarted.ToString());
        using var json = JsonDocument.Parse(restarted.StandardOutput);
        Assert.Equal(oldPid, json.RootElement.GetProperty("previous").GetProperty("pid").GetInt32());
        var newPid = json.RootElement.GetProperty("daemon").GetProperty("pid").GetInt32();
        Assert.NotEqual(oldPid, newPid);
        Assert.Equal([newPid], sandbox.RunningDaemonPids());
        Assert.Equal(1, json.RootElement.GetProperty("daemon").GetProperty("sessions").GetProperty("sync").GetInt32());
        var report = await WaitForAgentAsync(sandbox, "site");
        Assert.Equal(newPid, report.GetProperty("daemonPid").GetInt32());
    }

    [Fact]
    public async Task Restart_NoDaemon_StartsOne()
    {
        using var sandbox = new YakSandbox();

        var result = await Yakctl.RunAsync(sandbox, "daemon", "restart").WithTimeout(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("was not running", result.StandardOutput, StringComparison.Ordinal);
        Assert.Single(sandbox.RunningDaemonPids());
    }

    /// <summary>Polls <c>version</c> until the session's agent has answered its handshake (bounded).</summary>
    private static async Task<JsonElement> WaitForAgentAsync(YakSandbox sandbox, string session)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await Yakctl.RunAsync(sandbox, "version", "-o", "json").DefaultTimeout();
            Assert.True(result.ExitCode == 0, result.ToString());
            var report = JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
            if (report.GetProperty("agents").EnumerateArray().Any(a => a.GetProperty("session").GetString() == session && a.GetProperty("agentVersion").ValueKind == JsonValueKind.String))
            {
                return report;
            }

            Assert.False(deadline.IsCancellationRequested, $"the agent of {session} never connected: {result.StandardOutput}");
            await Task.Delay(200, deadline.Token);
        }
    }

    private static Task? AddOldDaemon(JsonRpc rpc)
    {
        rpc.AddLocalRpcTarget(new OldDaemon());
        return null;
    }

    /// <summary>A yakd of an earlier release: same protocol, no <c>daemon/version</c> yet.</summary>
    private sealed class OldDaemon
    {
        [JsonRpcMethod(Methods.DaemonHello, UseSingleObjectParameterDeserialization = true)]
        public static object Hello(object request) => new { daemonVersion = "0.0.1", protocolVersion = ProtocolVersion.Current, minimumProtocolVersion = 1, capabilities = new[] { Capabilities.Events } };

        /// <summary>An answer from before most of today's members existed.</summary>
        [JsonRpcMethod(Methods.DaemonStatus, UseSingleObjectParameterDeserialization = true)]
        public static object Status(object request) => new { pid = 4242, version = "0.0.1" };
    }
}
