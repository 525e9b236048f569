using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Hosting;

public sealed class HostTests
{
    [Fact]
    public async Task StartAsync_WritesKubeconfigWithYakLocalContext()
    {
        await using var cluster = await TestCluster.StartAsync();
        var config = KubernetesClientConfiguration.LoadKubeConfig(cluster.Host.KubeconfigPath);

        Assert.Equal("yak-local", config.CurrentContext);
        Assert.Equal(cluster.Host.Server.GetLeftPart(UriPartial.Authority), config.Clusters.Single(c => c.Name == "yak-local").ClusterEndpoint.Server);
        Assert.Equal("127.0.0.1", cluster.Host.Server.Host);
        Assert.NotEqual(0, cluster.Host.Server.Port);
    }

    [Fact]
    public async Task StartAsync_Default_ServesHttpsClientTrustsEmbeddedCa()
    {
        using var state = new TempDirectory("yak-lc-");
        await using var host = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = state.Path,
            RuntimeFactory = _ => new FakePodRuntime(),
        }).DefaultTimeout();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath));

        var namespaces = await client.CoreV1.ListNamespaceAsync().DefaultTimeout();

        Assert.Equal("https", host.Server.Scheme);
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
        Assert.Contains("certificate-authority-data", await File.ReadAllTextAsync(host.KubeconfigPath).DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Executable_Started_PrintsOneJsonLineAndStopsOnSigterm()
    {
        using var state = new TempDirectory("yak-lc-");
        var kubeconfig = state.Combine("kc", "config");
        var info = ProcessRunner.StartInfo(ProcessRunner.DotnetHost,
            [ProcessRunner.BesideTests("yak-local-cluster.dll"), "--port", "0", "--state-dir", state.Combine("state"), "--kubeconfig", kubeconfig]);
        using var process = new Process { StartInfo = info };
        process.Start();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().DefaultTimeout();
            var ready = JsonNode.Parse(line!)!;
            var server = ready["server"]!.GetValue<string>();
            using var http = ClusterAccess.FromStateDirectory(state.Combine("state")).CreateHttpClient();
            var version = await http.GetStringAsync(server + "/version").DefaultTimeout();

            Assert.Equal(process.Id, ready["pid"]!.GetValue<int>());
            Assert.Equal(Path.GetFullPath(kubeconfig), ready["kubeconfig"]!.GetValue<string>());
            Assert.True(File.Exists(kubeconfig));
            Assert.Contains("gitVersion", version, StringComparison.Ordinal);

            Assert.Equal(0, Sigterm(process.Id));
            await process.WaitForExitAsync().DefaultTimeout();
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static int Sigterm(int pid) => Kill(pid, 15);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
