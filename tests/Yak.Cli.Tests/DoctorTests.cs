using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using k8s;
using Yak.Protocol.Errors;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Cli.Tests;

/// <summary>
/// <c>yakctl doctor</c> against real parts: a real yakd, a real local cluster, a cluster URL nobody answers, a user
/// without roles, a busy port, a socket and a folder with bad modes. Each check is made to fail and its advice read.
/// </summary>
public sealed class DoctorTests : IAsyncLifetime
{
    private readonly YakSandbox sandbox = new();

    private LocalClusterFixture cluster = null!;

    public async Task InitializeAsync() => cluster = await LocalClusterFixture.StartAsync();

    public async Task DisposeAsync()
    {
        await Yakctl.RunAsync(sandbox, "daemon", "stop").DefaultTimeout();
        sandbox.Dispose();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task Doctor_LocalClusterConfigured_EveryCheckPasses()
    {
        WriteConfig(("lab", cluster.Host.KubeconfigPath, "yak-local"));
        var environment = await WithAgentForTheNodesAsync();

        var result = await Yakctl.RunAsync(environment, "doctor", "-o", "json").DefaultTimeout();
        var checks = Parse(result);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(checks, c => Assert.True(c.Status == "pass", $"{c.Name}: {c.Status} {c.Message}"));
        foreach (var name in new[] { "yakd", "yakd version", "socket folder", "socket", "state folder", "inotify watches", "free space", "cluster lab: reachable", "cluster lab: clock", "cluster lab: permissions", "cluster lab: sync agent" })
        {
            Assert.Contains(checks, c => c.Name == name);
        }
    }

    [Fact]
    public async Task Doctor_NoAgentForTheNodesArchitecture_FailsWithItsCode()
    {
        WriteConfig(("lab", cluster.Host.KubeconfigPath, "yak-local"));
        var environment = sandbox.Environment();
        environment["YAK_AGENTS_DIR"] = Directory.CreateDirectory(Path.Combine(sandbox.Root, "no-agents")).FullName;

        var result = await Yakctl.RunAsync(environment, "doctor", "-o", "json").DefaultTimeout();

        Assert.Equal(1, result.ExitCode);
        var agent = Assert.Single(Parse(result), c => c.Name == "cluster lab: sync agent");
        Assert.Equal(("fail", "YAK2008"), (agent.Status, agent.Code));
        Assert.Contains($"no agent for {await NodePlatformAsync()}", agent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_ClusterUrlThatDoesNotAnswer_FailsWithItsCodeAndFix()
    {
        var port = ClosedPort();
        var kubeconfig = Path.Combine(sandbox.Root, "nobody.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n    user: u\ncurrent-context: gone\n");
        WriteConfig(("gone", kubeconfig, "gone"));

        var (result, checks) = await DoctorJsonAsync();
        var text = await Yakctl.RunAsync(sandbox, "doctor").DefaultTimeout();

        Assert.Equal(1, result.ExitCode);
        var reach = Assert.Single(checks, c => c.Name == "cluster gone: reachable");
        Assert.Equal(("fail", "YAK1201"), (reach.Status, reach.Code));
        Assert.Contains($"https://127.0.0.1:{port}", reach.Message, StringComparison.Ordinal);
        Assert.Equal(YakErrors.ClusterUnreachable.Fix, reach.Fix);
        Assert.DoesNotContain(checks, c => c.Name == "cluster gone: permissions");
        Assert.Contains("FAIL  cluster gone: reachable", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("see: yakctl explain YAK1201", text.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, text.ExitCode);
    }

    [Fact]
    public async Task Doctor_UserWithoutRoles_PermissionsFailNamingWhatIsDenied()
    {
        var kubeconfig = Path.Combine(sandbox.Root, "alice.kubeconfig");
        var added = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(ProcessRunner.DotnetHost,
            [ProcessRunner.BesideTests("yak-local-cluster.dll"), "user", "add", "alice", "--state-dir", cluster.Host.StateDirectory, "--kubeconfig", kubeconfig])).DefaultTimeout();
        Assert.True(added.ExitCode == 0, added.ToString());
        WriteConfig(("shared", kubeconfig, null));

        var (result, checks) = await DoctorJsonAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pass", Assert.Single(checks, c => c.Name == "cluster shared: reachable").Status);
        var permissions = Assert.Single(checks, c => c.Name == "cluster shared: permissions");
        Assert.Equal(("fail", "YAK1204"), (permissions.Status, permissions.Code));
        Assert.Contains("create namespaces", permissions.Message, StringComparison.Ordinal);
        Assert.Contains("create pods/exec in default", permissions.Message, StringComparison.Ordinal);
        Assert.StartsWith("ask the cluster's admin for a Role that allows: create namespaces", permissions.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_UserWithoutRoles_RefusedWithTheForbiddenCode()
    {
        var kubeconfig = Path.Combine(sandbox.Root, "bob.kubeconfig");
        var added = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(ProcessRunner.DotnetHost,
            [ProcessRunner.BesideTests("yak-local-cluster.dll"), "user", "add", "bob", "--state-dir", cluster.Host.StateDirectory, "--kubeconfig", kubeconfig])).DefaultTimeout();
        Assert.True(added.ExitCode == 0, added.ToString());
        WriteConfig(("shared", kubeconfig, null));
        var folder = Directory.CreateDirectory(Path.Combine(sandbox.Root, "refused")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "yak.yaml"), "name: refused\nservices:\n  web:\n    image: python\n    command: [sleep, \"1000\"]\n");

        var result = await Yakctl.RunAsync(sandbox, "up", "-f", folder, "--timeout", "60").DefaultTimeout();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.True(result.StandardError.Contains("error YAK1204: The cluster refused the environment: Forbidden", StringComparison.Ordinal), result.StandardError);
        Assert.Contains($"fix: {YakErrors.Forbidden.Fix}", result.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("see: yakctl explain YAK1204\n", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_DeclaredLocalPortTaken_FailsNamingTheHolder()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var folder = Directory.CreateDirectory(Path.Combine(sandbox.Root, "shop")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "yak.yaml"), $"name: shop\nservices:\n  web:\n    image: python\n    ports: [\"{port}:8080\"]\n");

        var (result, checks) = await DoctorJsonAsync("-f", folder);

        Assert.Equal(1, result.ExitCode);
        var check = Assert.Single(checks, c => c.Name == $"local port {port} (web)");
        Assert.Equal(("fail", "YAK4001"), (check.Status, check.Code));
        Assert.StartsWith("taken by ", check.Message, StringComparison.Ordinal);

        busy.Stop();
        var (after, again) = await DoctorJsonAsync("-f", folder);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(("pass", "free"), Assert.Single(again, c => c.Name == $"local port {port} (web)") is var c2 ? (c2.Status, c2.Message) : default);
    }

    [Fact]
    public async Task Doctor_SocketOpenToOthers_FailsWithChmod()
    {
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "start").DefaultTimeout()).ExitCode);
        File.SetUnixFileMode(sandbox.SocketPath, (UnixFileMode)0b_110_110_110);

        var (result, checks) = await DoctorJsonAsync();

        Assert.Equal(1, result.ExitCode);
        var socket = Assert.Single(checks, c => c.Name == "socket");
        Assert.Equal(("fail", "YAK1008"), (socket.Status, socket.Code));
        Assert.Contains("is mode 0666", socket.Message, StringComparison.Ordinal);
        Assert.StartsWith($"'chmod 600 {sandbox.SocketPath}'", socket.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_StateFolderOpenToOthers_FailsWithChmod()
    {
        Assert.Equal(0, (await Yakctl.RunAsync(sandbox, "daemon", "start").DefaultTimeout()).ExitCode);
        var state = Path.Combine(sandbox.StateHome, "yak");
        File.SetUnixFileMode(state, (UnixFileMode)0b_111_101_101);

        var (result, checks) = await DoctorJsonAsync();

        Assert.Equal(1, result.ExitCode);
        var check = Assert.Single(checks, c => c.Name == "state folder");
        Assert.Equal(("fail", "YAK1008"), (check.Status, check.Code));
        Assert.Equal($"'chmod 700 {state}'.", check.Fix);
    }

    [Fact]
    public async Task Doctor_NoDaemonAutostartOff_FailsYakdAndStillChecksFolders()
    {
        var result = await Yakctl.RunAsync(sandbox.Environment(autostart: false), "doctor", "-o", "json").DefaultTimeout();

        Assert.Equal(1, result.ExitCode);
        var checks = Parse(result);
        var yakd = Assert.Single(checks, c => c.Name == "yakd");
        Assert.Equal(("fail", "YAK1001"), (yakd.Status, yakd.Code));
        Assert.Equal("YAK_NO_AUTOSTART=1 is set: 'yakctl daemon start' starts it.", yakd.Fix);
        Assert.Contains(checks, c => c.Name == "state folder" && c.Status == "pass");
        Assert.Empty(sandbox.RunningDaemonPids());
    }

    [Fact]
    public async Task Doctor_InotifyBudgetBelowTheWatchedFolders_Fails()
    {
        var limit = Path.Combine(sandbox.Root, "max_user_watches");
        await File.WriteAllTextAsync(limit, "10\n");
        var environment = sandbox.Environment();
        environment["YAK_INOTIFY_LIMIT_FILE"] = limit;
        var tree = Directory.CreateDirectory(Path.Combine(sandbox.Root, "tree")).FullName;
        for (var i = 0; i < 12; i++)
        {
            Directory.CreateDirectory(Path.Combine(tree, $"d{i}", "sub"));
        }

        var created = await Yakctl.RunAsync(environment, "sync", "create", tree, "local:" + Path.Combine(sandbox.Root, "replica"), "--name", "tree").DefaultTimeout();
        Assert.True(created.ExitCode == 0, created.ToString());

        var result = await Yakctl.RunAsync(environment, "doctor", "-o", "json").DefaultTimeout();

        Assert.Equal(1, result.ExitCode);
        var check = Assert.Single(Parse(result), c => c.Name == "inotify watches");
        Assert.Equal(("fail", "YAK3001"), (check.Status, check.Code));
        Assert.StartsWith("more than 10 folders in 1 watched tree(s), budget 10", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_StateFolderOnASmallDisk_FailsFreeSpace()
    {
        using var disk = await TmpfsMount.MountAsync(sandbox.StateHome, 32L << 20).DefaultTimeout();
        try
        {
            var (result, checks) = await DoctorJsonAsync();

            Assert.Equal(1, result.ExitCode);
            var check = Assert.Single(checks, c => c.Name == "free space");
            Assert.Equal(("fail", "YAK5001"), (check.Status, check.Code));
            Assert.Contains($"MiB free for {Path.Combine(sandbox.StateHome, "yak")} (under 100 MiB)", check.Message, StringComparison.Ordinal);
        }
        finally
        {
            // yakd's log is open on the tmpfs: it stops before the unmount.
            await Yakctl.RunAsync(sandbox, "daemon", "stop").DefaultTimeout();
        }
    }

    [Fact]
    public async Task Doctor_LocalClusterUsedButStopped_Warns()
    {
        Directory.CreateDirectory(Path.Combine(sandbox.StateHome, "yak", "local-cluster"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(Path.Combine(sandbox.StateHome, "yak"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (result, checks) = await DoctorJsonAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        var check = Assert.Single(checks, c => c.Name == "local cluster");
        Assert.Equal(("warn", "YAK1208"), (check.Status, check.Code));
        Assert.Equal(YakErrors.LocalClusterUnhealthy.Fix, check.Fix);
    }

    /// <summary>yakd's agent folder with a build for the platform the cluster's nodes report (what doctor looks for).</summary>
    private async Task<Dictionary<string, string?>> WithAgentForTheNodesAsync()
    {
        var agents = Path.Combine(sandbox.Root, "agents");
        var build = Directory.CreateDirectory(Path.Combine(agents, await NodePlatformAsync())).FullName;
        File.Copy(ProcessRunner.BesideTests("yak-agent.dll"), Path.Combine(build, "yak-agent"));
        var environment = sandbox.Environment();
        environment["YAK_AGENTS_DIR"] = agents;
        return environment;
    }

    private async Task<string> NodePlatformAsync()
    {
        var node = (await cluster.Client.CoreV1.ListNodeAsync().DefaultTimeout()).Items[0];
        return $"{node.Status.NodeInfo.OperatingSystem}-{node.Status.NodeInfo.Architecture}";
    }

    private async Task<(ProcessResult Result, IReadOnlyList<Check> Checks)> DoctorJsonAsync(params string[] extra)
    {
        var result = await Yakctl.RunAsync(sandbox, ["doctor", "-o", "json", .. extra]).DefaultTimeout();
        return (result, Parse(result));
    }

    private static List<Check> Parse(ProcessResult result)
    {
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(result.ExitCode == 0, json.RootElement.GetProperty("healthy").GetBoolean());
        return [.. json.RootElement.GetProperty("checks").EnumerateArray().Select(c => new Check(
            c.GetProperty("name").GetString()!,
            c.GetProperty("status").GetString()!,
            c.GetProperty("message").GetString()!,
            c.GetProperty("code").GetString(),
            c.GetProperty("fix").GetString()))];
    }

    private void WriteConfig(params (string Name, string Kubeconfig, string? Context)[] clusters)
    {
        var folder = Directory.CreateDirectory(Path.Combine(sandbox.ConfigHome, "yak"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var text = "clusters:\n" + string.Concat(clusters.Select(c => $"  - name: {c.Name}\n    kubeconfig: {c.Kubeconfig}\n" + (c.Context is null ? string.Empty : $"    context: {c.Context}\n")));
        File.WriteAllText(Path.Combine(folder, "config.yaml"), text);
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed record Check(string Name, string Status, string Message, string? Code, string? Fix);
}
