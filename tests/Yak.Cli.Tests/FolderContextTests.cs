using System.Text.Json;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Cli.Tests;

/// <summary>Commands run inside an environment's folder use its cluster and namespace unless told otherwise.</summary>
public sealed class FolderContextTests : IAsyncLifetime
{
    private readonly YakSandbox sandbox = new();
    private readonly TempDirectory folder = new("yak-ctx-");
    private LocalClusterFixture cluster = null!;

    public async Task InitializeAsync() => cluster = await LocalClusterFixture.StartAsync();

    public async Task DisposeAsync()
    {
        sandbox.Dispose();
        folder.Dispose();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task ForwardAdd_InsideAnEnvironmentsFolder_UsesItsNamespace()
    {
        File.WriteAllText(Path.Combine(folder.Path, "yak.yaml"), "name: ctx\nservices:\n  store:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n");
        var up = await YakctlAsync(folder.Path, "up");
        Assert.True(up.ExitCode == 0, up.ToString());
        var status = await YakctlAsync(folder.Path, "status", "-o", "json");
        var environment = JsonDocument.Parse(status.StandardOutput).RootElement[0];
        var ns = environment.GetProperty("namespace").GetString();
        var pod = environment.GetProperty("services")[0].GetProperty("pods")[0].GetProperty("name").GetString();
        var below = Directory.CreateDirectory(Path.Combine(folder.Path, "src", "deeper")).FullName;

        var added = await YakctlAsync(below, "forward", "add", "pod/" + pod, "0:7070", "-o", "json");

        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal(ns, JsonDocument.Parse(added.StandardOutput).RootElement.GetProperty("namespace").GetString());
        Assert.Contains("using environment ctx", added.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardAdd_OutsideAnyEnvironmentsFolder_UsesDefault()
    {
        var added = await YakctlAsync(folder.Path, "forward", "add", "pod/nothing-here", "0:7070", "-o", "json");

        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal("default", JsonDocument.Parse(added.StandardOutput).RootElement.GetProperty("namespace").GetString());
    }

    [Fact]
    public async Task Exec_InsideAnEnvironmentsFolder_UsesItsServiceNotTheNewest()
    {
        var mine = Directory.CreateDirectory(Path.Combine(folder.Path, "mine")).FullName;
        var newer = Directory.CreateDirectory(Path.Combine(folder.Path, "newer")).FullName;
        File.WriteAllText(Path.Combine(mine, "yak.yaml"), Spec("mine"));
        File.WriteAllText(Path.Combine(newer, "yak.yaml"), Spec("newer"));
        var up = await YakctlAsync(mine, "up");
        Assert.True(up.ExitCode == 0, up.ToString());
        up = await YakctlAsync(newer, "up");
        Assert.True(up.ExitCode == 0, up.ToString());
        var below = Directory.CreateDirectory(Path.Combine(mine, "src")).FullName;

        var exec = await YakctlAsync(below, "exec", "store", "--", "printenv", "MARK");
        var logs = await YakctlAsync(below, "logs", "store");

        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Equal("mine", exec.StandardOutput.Trim());
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Equal("started mine", logs.StandardOutput.Trim());
    }

    [Fact]
    public async Task ExecPod_InsideAnEnvironmentsFolder_FindsThePodInItsNamespace()
    {
        File.WriteAllText(Path.Combine(folder.Path, "yak.yaml"), Spec("podctx"));
        var up = await YakctlAsync(folder.Path, "up");
        Assert.True(up.ExitCode == 0, up.ToString());
        var status = await YakctlAsync(folder.Path, "status", "-o", "json");
        var pod = JsonDocument.Parse(status.StandardOutput).RootElement[0].GetProperty("services")[0].GetProperty("pods")[0].GetProperty("name").GetString();

        var exec = await YakctlAsync(folder.Path, "exec", "pod/" + pod, "--", "printenv", "MARK");

        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Equal("podctx", exec.StandardOutput.Trim());
    }

    private static string Spec(string name) =>
        $"name: {name}\nservices:\n  store:\n    image: busybox\n    env: {{ MARK: {name} }}\n    command: [sh, -c, \"echo started $MARK; exec sleep 100000\"]\n";

    private Task<ProcessResult> YakctlAsync(string workingDirectory, params string[] arguments)
    {
        var environment = sandbox.Environment();

        // yakd (started by the first yakctl) reaches the test's cluster through KUBECONFIG, as a user's would.
        environment["KUBECONFIG"] = cluster.Host.KubeconfigPath;
        var info = ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. arguments], environment);
        info.WorkingDirectory = workingDirectory;
        return ProcessRunner.RunAsync(info, TimeSpan.FromSeconds(120));
    }
}
