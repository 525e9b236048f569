using System.Text.Json;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Cli.Tests;

/// <summary>Commands run inside an environment's folder use its cluster and namespace unless told otherwise.</summary>
public sealed class ForwardContextTests : IAsyncLifetime
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
