using System.Diagnostics;
using k8s;
using System.Text.Json;
using Yak.Testing;

namespace Yak.Cli.Tests;

/// <summary><c>yakctl cluster local start|status|stop</c> with the real yak-local-cluster beside yakctl.</summary>
public sealed class ClusterLocalCommandTests
{
    [Fact]
    public async Task StartStatusStop_RealProcess_StartsOnceAnswersAndStops()
    {
        using var sandbox = new YakSandbox();
        int? pid = null;
        try
        {
            var start = await Yakctl.RunAsync(sandbox, "cluster", "local", "start", "--output", "json").DefaultTimeout();
            Assert.True(start.ExitCode == 0, start.ToString());
            using var started = JsonDocument.Parse(start.StandardOutput);
            pid = started.RootElement.GetProperty("pid").GetInt32();
            var server = started.RootElement.GetProperty("server").GetString()!;
            var kubeconfig = started.RootElement.GetProperty("kubeconfig").GetString()!;
            Assert.Equal("started", started.RootElement.GetProperty("status").GetString());
            Assert.StartsWith(Path.Combine(sandbox.StateHome, "yak", "local-cluster"), kubeconfig, StringComparison.Ordinal);
            Assert.Contains("yak-local", File.ReadAllText(kubeconfig), StringComparison.Ordinal);
            // The server answers a client that trusts the kubeconfig's CA and sends its token, and no other.
            using (var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)))
            {
                var version = await kube.Version.GetCodeAsync().DefaultTimeout();
                Assert.False(string.IsNullOrEmpty(version.GitVersion));
            }

            // A second start finds the running one; status reports it.
            var again = await Yakctl.RunAsync(sandbox, "cluster", "local", "start", "-o", "json").DefaultTimeout();
            Assert.True(again.ExitCode == 0, again.ToString());
            using (var json = JsonDocument.Parse(again.StandardOutput))
            {
                Assert.Equal("running", json.RootElement.GetProperty("status").GetString());
                Assert.Equal(pid, json.RootElement.GetProperty("pid").GetInt32());
            }

            var status = await Yakctl.RunAsync(sandbox, "cluster", "local", "status", "-o", "json").DefaultTimeout();
            Assert.True(status.ExitCode == 0, status.ToString());
            using (var json = JsonDocument.Parse(status.StandardOutput))
            {
                Assert.Equal(server, json.RootElement.GetProperty("server").GetString());
            }

            var stop = await Yakctl.RunAsync(sandbox, "cluster", "local", "stop").DefaultTimeout();
            Assert.True(stop.ExitCode == 0, stop.ToString());
            Assert.Contains("stopped", stop.StandardOutput, StringComparison.Ordinal);
            Assert.False(IsRunning(pid.Value));

            var after = await Yakctl.RunAsync(sandbox, "cluster", "local", "status").DefaultTimeout();
            Assert.Equal(1, after.ExitCode);
            Assert.Contains("not running", after.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (pid is { } running && IsRunning(running))
            {
                using var process = Process.GetProcessById(running);
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
