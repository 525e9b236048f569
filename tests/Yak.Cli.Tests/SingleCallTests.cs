using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary>The StreamJsonRpc-free handshake and call a cold <c>yakctl daemon status</c> makes, against a real yakd.</summary>
public sealed class SingleCallTests
{
    [Fact]
    public async Task TryInvoke_RunningDaemon_AnswersAsTheFullClientDoes()
    {
        using var sandbox = new YakSandbox();
        var started = await Yakctl.RunAsync(sandbox, "daemon", "status").DefaultTimeout();
        Assert.True(started.ExitCode == 0, started.ToString());
        var endpoint = Endpoint(sandbox);

        var quick = await SingleCall.TryInvokeAsync<StatusResponse>(endpoint, "yak-test", Methods.DaemonStatus, new StatusRequest(), CancellationToken.None).DefaultTimeout();

        await using var client = await DaemonClient.ConnectAsync(endpoint, "yak-test", CancellationToken.None).DefaultTimeout();
        var full = await client.StatusAsync(CancellationToken.None).DefaultTimeout();
        Assert.NotNull(quick);
        Assert.Equal(full.Pid, quick.Pid);
        Assert.Equal(full.Version, quick.Version);
        Assert.Equal(full.Socket, quick.Socket);
        Assert.Equal(full.StartedAt, quick.StartedAt);
        Assert.Equal(full.LogPath, quick.LogPath);
        Assert.Equal(full.Sessions.Sync, quick.Sessions.Sync);
    }

    [Fact]
    public async Task TryInvoke_NoDaemon_ReturnsNullAndStartsNone()
    {
        using var sandbox = new YakSandbox();

        var answer = await SingleCall.TryInvokeAsync<StatusResponse>(Endpoint(sandbox), "yak-test", Methods.DaemonStatus, new StatusRequest(), CancellationToken.None).DefaultTimeout();

        Assert.Null(answer);
        Assert.Empty(sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task TryInvoke_MethodTheDaemonRefuses_ReturnsNull()
    {
        using var sandbox = new YakSandbox();
        var started = await Yakctl.RunAsync(sandbox, "daemon", "status").DefaultTimeout();
        Assert.True(started.ExitCode == 0, started.ToString());

        // A session that does not exist: yakd answers with an error, which the caller's usual path reports.
        var answer = await SingleCall.TryInvokeAsync<SyncStatusResponse>(Endpoint(sandbox), "yak-test", Methods.SyncStatus, new SyncStatusRequest { Name = "nope" }, CancellationToken.None)
            .DefaultTimeout();

        Assert.Null(answer);
    }

    private static DaemonEndpoint Endpoint(YakSandbox sandbox)
    {
        var environment = sandbox.Environment();
        return DaemonEndpoint.Resolve(n => environment.TryGetValue(n, out var v) ? v : null);
    }
}
