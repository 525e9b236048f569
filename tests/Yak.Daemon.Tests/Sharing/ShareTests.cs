using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using StreamJsonRpc;
using Yak.Client;
using Yak.Daemon.Tests.Environments;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Sharing;

/// <summary>
/// Two users on the local cluster (its RBAC): the owner's yakd shares an environment, the guest's own yakd connects to
/// it with the guest's own identity and then acts with the share's token, so the cluster enforces every limit.
/// </summary>
public sealed class ShareTests
{
    private const string Spec = "name: team\nservices:\n  web:\n    image: busybox\n    command: [sh, -c, \"echo hello-from-web; exec sleep 100000\"]\n";

    [Fact]
    public async Task Share_ReadOnlyThenFullThenUnshare_GuestLogsExecRefusedWithCodeThenAllowedThenShareEnded()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), Spec);
        var up = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, up.Environment.State);
        await using var guest = await GuestAsync(env, "bob");

        var notShared = await Assert.ThrowsAsync<RemoteInvocationException>(() => guest.ConnectAsync("tester/team")).DefaultTimeout();
        var readOnly = await GrantAsync(env, "bob", readOnly: true);
        var connected = await guest.ConnectAsync("tester/team").DefaultTimeout();
        var logs = await guest.LogsAsync("tester/team", "web");
        var execRefused = await Assert.ThrowsAsync<RemoteInvocationException>(() => guest.StartExecAsync("tester/team", "web", "true")).DefaultTimeout();
        var forwardRefused = await Assert.ThrowsAsync<RemoteInvocationException>(() => guest.ForwardAsync("tester/team", "yak.dev/service=web", 8080)).DefaultTimeout();
        var ownerList = await env.Client.InvokeAsync<ShareListResponse>(Methods.ShareList, new ShareListRequest { Name = "team", SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout();

        Assert.Equal("YAK1210", Code(notShared));
        Assert.Equal(("read-only", "bob", "tester", false), (readOnly.Share.Access, readOnly.Share.Guest, readOnly.Share.Owner, readOnly.Share.Expired));
        Assert.True(readOnly.Share.ExpiresAt > DateTimeOffset.UtcNow.AddDays(300), $"a share without --expires lasts as long as the cluster allows; got {readOnly.Share.ExpiresAt}");
        Assert.Equal("tester/team", connected.Name);
        Assert.Equal(up.Environment.Namespace, connected.Share.Namespace);
        var web = Assert.Single(Assert.Single(connected.Environment).Services);
        Assert.Equal(("web", ServiceState.Ready), (web.Name, web.State));
        Assert.Contains("hello-from-web", logs, StringComparison.Ordinal);
        Assert.Equal("YAK1209", Code(execRefused));
        Assert.Contains("Your share of tester/team is read-only", execRefused.Message, StringComparison.Ordinal);
        Assert.Contains("Only the owner, tester, can grant more: 'yakctl share team --with bob'", execRefused.Message, StringComparison.Ordinal);
        Assert.Equal("YAK1209", Code(forwardRefused));
        Assert.Contains("Your share of tester/team is read-only: it does not allow port-forwarding", forwardRefused.Message, StringComparison.Ordinal);
        Assert.Contains("Only the owner, tester, can grant more: 'yakctl share team --with bob'", forwardRefused.Message, StringComparison.Ordinal);
        var listed = Assert.Single(ownerList.Shares);
        Assert.Equal(("bob", "read-only", "yak-guest-bob"), (listed.Guest, listed.Access, listed.ServiceAccount));

        // The owner's yakctl: share with a second guest (with secrets, for 8 h), then list both.
        var shareCli = await YakctlAsync(env, "share", "team", "--with", "dave@example.com", "--expires", "8h", "--secrets", "--output", "json");
        var accessCli = await YakctlAsync(env, "access", "team", "--output", "json");
        Assert.True(shareCli.ExitCode == 0, shareCli.ToString());
        var dave = JsonSerializer.Deserialize<ShareInfo>(shareCli.StandardOutput, Yak.Protocol.Transport.YakJson.Options)!;
        Assert.Equal(("dave@example.com", "full", true), (dave.Guest, dave.Access, dave.Secrets));
        Assert.InRange(dave.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddHours(7.9), DateTimeOffset.UtcNow.AddHours(8.1));
        Assert.True(accessCli.ExitCode == 0, accessCli.ToString());
        var access = JsonSerializer.Deserialize<ShareListResponse>(accessCli.StandardOutput, Yak.Protocol.Transport.YakJson.Options)!;
        Assert.Equal(["bob", "dave@example.com"], access.Shares.Select(a => a.Guest));

        // Full access: a new token (sharing again replaces the ServiceAccount), taken up by connecting again.
        var full = await GrantAsync(env, "bob", readOnly: false);
        await guest.ConnectAsync("tester/team").DefaultTimeout();
        var (code, stdout) = await guest.ExecAsync("tester/team", "web", "echo", "exec-by-guest");
        var forward = await guest.ForwardAsync("tester/team", "yak.dev/service=web", 8080).DefaultTimeout();

        Assert.Equal("full", full.Share.Access);
        Assert.Equal((0, "exec-by-guest\n"), (code, stdout));
        Assert.Equal(up.Environment.Namespace, forward.Forward.Namespace);

        var revoked = await env.Client.InvokeAsync<ShareRevokeResponse>(Methods.ShareRevoke, new ShareRevokeRequest { Name = "team", SpecPath = string.Empty, Guest = "bob" }, CancellationToken.None).DefaultTimeout();
        var afterUnshare = await Assert.ThrowsAsync<RemoteInvocationException>(() => guest.StatusAsync("tester/team")).DefaultTimeout();
        var reconnect = await Assert.ThrowsAsync<RemoteInvocationException>(() => guest.ConnectAsync("tester/team")).DefaultTimeout();
        var emptyList = await env.Client.InvokeAsync<ShareListResponse>(Methods.ShareList, new ShareListRequest { Name = "team", SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout();

        Assert.True(revoked.Revoked);
        Assert.Equal("YAK1210", Code(afterUnshare));
        Assert.Equal("YAK1210", Code(reconnect));
        Assert.Equal(["dave@example.com"], emptyList.Shares.Select(a => a.Guest));
    }

    [Fact]
    public async Task Share_ExpiresAfterTenMinutes_ClusterRefusesGuestWithoutOwnersYakd()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var env = await EnvironmentFixture.StartAsync(example: null, clusterTime: clock);
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), Spec);
        Assert.Equal(EnvironmentState.Up, (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment.State);
        await using var guest = await GuestAsync(env, "carol");

        var tooShort = await Assert.ThrowsAsync<RemoteInvocationException>(() => GrantAsync(env, "carol", readOnly: true, expiresSeconds: 300)).DefaultTimeout();
        var granted = await GrantAsync(env, "carol", readOnly: true, expiresSeconds: 600);
        var connect = await guest.YakctlAsync("connect", "tester/team", "--kubeconfig", guest.Kubeconfig, "--output", "json");
        var stats = await guest.YakctlAsync("stats", "--since", "1d", "--output", "json");

        // The owner's yakd is gone: only the API server stands between the guest and the namespace.
        env.Daemon.KillHard();
        await env.Daemon.WaitForExitAsync().DefaultTimeout();
        var before = await guest.StatusAsync("tester/team").DefaultTimeout();
        clock.Advance(TimeSpan.FromSeconds(601));
        var after = await Assert.ThrowsAsync<RemoteInvocationException>(() => guest.StatusAsync("tester/team")).DefaultTimeout();

        Assert.True(connect.ExitCode == 0, connect.ToString());
        var connected = JsonSerializer.Deserialize<ShareConnectResponse>(connect.StandardOutput, Yak.Protocol.Transport.YakJson.Options)!;
        Assert.Equal(("tester/team", "carol", "read-only"), (connected.Name, connected.Share.Guest, connected.Share.Access));
        Assert.True(stats.ExitCode == 0, stats.ToString());
        var waits = JsonSerializer.Deserialize<WaitStatsResponse>(stats.StandardOutput, Yak.Protocol.Transport.YakJson.Options)!;
        Assert.Equal(1, Assert.Single(waits.Kinds, k => k.Kind == WaitKinds.Connect).Count);
        Assert.Equal("tester/team", waits.Slowest.First(w => w.Kind == WaitKinds.Connect).Subject);
        Assert.Equal("YAK1102", Code(tooShort));
        Assert.Contains("--expires must be between 10m", tooShort.Message, StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow().AddSeconds(-601 + 600).ToUnixTimeSeconds(), granted.Share.ExpiresAt?.ToUnixTimeSeconds());
        Assert.Equal("web", Assert.Single(Assert.Single(before.Environments).Services).Name);
        Assert.Equal("YAK1210", Code(after));
        Assert.Contains("no longer accepts the share's token", after.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_WithSync_GuestEditReachesOwnersPodWithoutSyncNoSessionAndPlainStatusListsIt()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), "name: team\nservices:\n  web:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    sync: [{ from: ./web, to: /app }]\n");
        Directory.CreateDirectory(Path.Combine(env.Folder, "web"));
        File.WriteAllText(Path.Combine(env.Folder, "web", "index.html"), "owner's");
        var up = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, up.Environment.State);
        await using var guest = await GuestAsync(env, "erin");

        // The guest's own checkout of the same spec, with an edit of theirs.
        var checkout = Path.Combine(guest.Root, "checkout");
        Directory.CreateDirectory(Path.Combine(checkout, "web"));
        File.Copy(Path.Combine(env.Folder, "yak.yaml"), Path.Combine(checkout, "yak.yaml"));
        File.WriteAllText(Path.Combine(checkout, "web", "index.html"), "guest's edit");
        await GrantAsync(env, "erin", readOnly: true);
        var readOnlySync = await Assert.ThrowsAsync<RemoteInvocationException>(() => guest.ConnectAsync("tester/team", checkout)).DefaultTimeout();
        await GrantAsync(env, "erin", readOnly: false);
        var plain = await guest.ConnectAsync("tester/team").DefaultTimeout();
        var noSessions = await guest.Client.ListSyncAsync(CancellationToken.None).DefaultTimeout();
        var synced = await guest.ConnectAsync("tester/team", checkout).DefaultTimeout();
        var session = Assert.Single(synced.SyncSessions);
        await guest.Client.FlushSyncAsync(session, CancellationToken.None).DefaultTimeout();
        var pod = await env.PodAsync(up.Environment.Namespace, "web");
        var inPod = File.ReadAllText(Path.Combine(env.Cluster.VolumePath(pod, "yak-sync-0"), "index.html"));
        var during = await guest.Client.ListSyncAsync(CancellationToken.None).DefaultTimeout();
        var again = await guest.ConnectAsync("tester/team").DefaultTimeout();
        var ended = await guest.Client.ListSyncAsync(CancellationToken.None).DefaultTimeout();
        var plainStatus = await guest.StatusAsync(string.Empty).DefaultTimeout();
        var statusCli = await guest.YakctlAsync("status");

        Assert.Equal("YAK1209", Code(readOnlySync));
        Assert.Contains("Your share of tester/team is read-only: it does not allow sync", readOnlySync.Message, StringComparison.Ordinal);
        Assert.Empty(plain.SyncSessions);
        Assert.Empty(plain.Warnings);
        Assert.Empty(noSessions);
        Assert.Contains("--sync writes your local files into the owner's pods", Assert.Single(synced.Warnings), StringComparison.Ordinal);
        Assert.Equal((session, Path.Combine(checkout, "web")), (Assert.Single(during).Name, during[0].LocalPath));
        Assert.Equal("guest's edit", inPod);
        Assert.Empty(again.SyncSessions);
        Assert.Empty(ended);
        var listed = Assert.Single(plainStatus.Environments);
        Assert.Equal(("tester/team", "tester", "full", EnvironmentState.Up), (listed.Name, listed.Owner, listed.Access, listed.State));
        Assert.True(statusCli.ExitCode == 0, statusCli.ToString());
        Assert.Contains("tester/team: up", statusCli.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("guest shared by tester, full access", statusCli.StandardOutput, StringComparison.Ordinal);
    }

    private static Task<ShareGrantResponse> GrantAsync(EnvironmentFixture env, string guest, bool readOnly, long expiresSeconds = 0) =>
        env.Client.InvokeAsync<ShareGrantResponse>(
            Methods.ShareGrant,
            new ShareGrantRequest { Name = "team", SpecPath = string.Empty, Guest = guest, ReadOnly = readOnly, Secrets = false, ExpiresSeconds = expiresSeconds },
            CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

    private static Task<ProcessResult> YakctlAsync(EnvironmentFixture env, params string[] args) => ProcessRunner.RunAsync(ProcessRunner.StartInfo(
        ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. args], env.Sandbox.Environment(autostart: false))).DefaultTimeout();

    private static string? Code(RemoteInvocationException error) => Assert.IsType<JsonElement>(error.ErrorData).GetProperty("code").GetString();

    private static async Task<Guest> GuestAsync(EnvironmentFixture env, string user)
    {
        var sandbox = new YakSandbox();
        var kubeconfig = Path.Combine(sandbox.Root, "kubeconfig");
        env.Cluster.Host.Access.AddUser(user, [], kubeconfig);
        var daemon = await DaemonProcess.StartAsync(sandbox);
        var client = await daemon.ConnectAsync().DefaultTimeout();
        return new Guest(sandbox, daemon, client, kubeconfig);
    }

    /// <summary>The guest: their own yakd, their own cluster user (no rights of their own in the owner's namespace).</summary>
    private sealed class Guest(YakSandbox sandbox, DaemonProcess daemon, DaemonClient client, string kubeconfig) : IAsyncDisposable
    {
        public string Kubeconfig => kubeconfig;

        public string Root => sandbox.Root;

        public DaemonClient Client => client;

        public Task<ProcessResult> YakctlAsync(params string[] args) => ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. args], sandbox.Environment(autostart: false))).DefaultTimeout();

        /// <summary>share/connect; with <paramref name="syncSpec"/>, with sync from that checkout of the spec.</summary>
        public Task<ShareConnectResponse> ConnectAsync(string target, string? syncSpec = null) => client.InvokeAsync<ShareConnectResponse>(
            Methods.ShareConnect,
            new ShareConnectRequest { Owner = target.Split('/')[0], Environment = target.Split('/')[1], Sync = syncSpec is not null, Kubeconfig = kubeconfig, Context = string.Empty, SpecPath = syncSpec ?? string.Empty },
            CancellationToken.None);

        public Task<ForwardAddResponse> ForwardAsync(string environment, string target, int remotePort) => client.InvokeAsync<ForwardAddResponse>(
            Methods.ForwardAdd,
            new ForwardAddRequest { Name = string.Empty, Namespace = string.Empty, Target = target, LocalPort = 0, RemotePort = remotePort, Kubeconfig = string.Empty, Context = string.Empty, Environment = environment },
            CancellationToken.None);

        public Task<EnvStatusResponse> StatusAsync(string name) =>
            client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = name, SpecPath = string.Empty }, CancellationToken.None);

        public Task<ExecStartResponse> StartExecAsync(string environment, string service, params string[] command) =>
            client.StartExecAsync(new ExecStartRequest { Target = Target(environment, service), Command = command, Tty = false, Stdin = false, InSyncRoot = false }, CancellationToken.None);

        public async Task<(int Code, string Stdout)> ExecAsync(string environment, string service, params string[] command)
        {
            var started = await StartExecAsync(environment, service, command).DefaultTimeout();
            var (code, stdout, _) = await ReadAsync(started.Token);
            return (code, stdout);
        }

        public async Task<string> LogsAsync(string environment, string service)
        {
            var started = await client.StartLogsAsync(new LogsStartRequest { Target = Target(environment, service), Follow = false, TailLines = -1, SinceSeconds = 0 }, CancellationToken.None).DefaultTimeout();
            await using var stream = await DaemonStream.OpenAsync(daemon.Endpoint.SocketPath, started.Token, CancellationToken.None).DefaultTimeout();
            var lines = new List<LogLineInfo>();
            var code = await stream.CopyOutputAsync(Stream.Null, Stream.Null, lines.Add, null, CancellationToken.None).DefaultTimeout();
            Assert.Equal(0, code);
            return string.Join('\n', lines.Select(l => l.Line));
        }

        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync();
            await daemon.DisposeAsync();
            sandbox.Dispose();
        }

        private async Task<(int Code, string Stdout, string Stderr)> ReadAsync(string token)
        {
            await using var stream = await DaemonStream.OpenAsync(daemon.Endpoint.SocketPath, token, CancellationToken.None).DefaultTimeout();
            using var stdout = new MemoryStream();
            using var stderr = new MemoryStream();
            var code = await stream.CopyOutputAsync(stdout, stderr, null, null, CancellationToken.None).DefaultTimeout();
            return (code, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
        }

        private static StreamTargetInfo Target(string environment, string service) => new()
        {
            Environment = environment,
            Service = service,
            Namespace = string.Empty,
            Selector = string.Empty,
            Pod = string.Empty,
            Container = string.Empty,
            Kubeconfig = string.Empty,
            Context = string.Empty,
        };
    }
}
