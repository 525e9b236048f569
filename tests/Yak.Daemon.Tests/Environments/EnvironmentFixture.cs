using k8s;
using k8s.Models;
using Yak.Client;
using Yak.Kube.Watching;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Environments;

/// <summary>A local cluster, a sandboxed yakd and a copy of an example folder, for environment tests.</summary>
internal sealed class EnvironmentFixture : IAsyncDisposable
{
    private EnvironmentFixture(LocalClusterFixture cluster, YakSandbox sandbox, DaemonProcess daemon, DaemonClient client, string folder)
    {
        Cluster = cluster;
        Sandbox = sandbox;
        Daemon = daemon;
        Client = client;
        Folder = folder;
    }

    /// <summary>
    /// Bound on an up or update: a whole rollout (pull, start, probes, first sync) on a shared, loaded machine, within the
    /// 120 s the requests give the daemon.
    /// </summary>
    public static TimeSpan UpBound { get; } = TimeSpan.FromSeconds(150);

    public LocalClusterFixture Cluster { get; }

    public YakSandbox Sandbox { get; }

    public DaemonProcess Daemon { get; private set; }

    public DaemonClient Client { get; private set; }

    /// <summary>The local port the example's web service is forwarded to.</summary>
    public int WebPort { get; private init; }

    /// <summary>The environment's folder (a copy, so tests can edit it).</summary>
    public string Folder { get; }

    public static async Task<EnvironmentFixture> StartAsync(string? example = "shop", TimeProvider? clusterTime = null, IReadOnlyList<Yak.LocalCluster.Scheduling.NodeOptions>? nodes = null)
    {
        var cluster = await LocalClusterFixture.StartAsync(clusterTime, nodes);
        var sandbox = new YakSandbox();
        var folder = Path.Combine(sandbox.Root, "env");
        var webPort = FreePort();
        if (example is not null)
        {
            CopyFolder(Path.Combine(RepoRoot(), "examples", example), folder);

            // The examples forward localhost:8080; a free port keeps parallel runs apart.
            foreach (var spec in Directory.EnumerateFiles(folder, "*.y*ml"))
            {
                File.WriteAllText(spec, File.ReadAllText(spec).Replace("\"8080:8080\"", $"\"{webPort}:8080\"", StringComparison.Ordinal));
            }
        }
        else
        {
            Directory.CreateDirectory(folder);
        }

        Directory.CreateDirectory(Path.Combine(sandbox.ConfigHome, "yak"));
        File.WriteAllText(Path.Combine(sandbox.ConfigHome, "yak", "config.yaml"), "owner: tester\n");
        var daemon = await DaemonProcess.StartAsync(sandbox);
        var client = await daemon.ConnectAsync().DefaultTimeout();
        return new EnvironmentFixture(cluster, sandbox, daemon, client, folder) { WebPort = webPort };
    }

    /// <summary>env/up against the fixture's cluster, or (<paramref name="configured"/>) wherever config.yaml places it.</summary>
    public Task<EnvUpResponse> UpAsync(string? spec = null, bool configured = false, int timeoutSeconds = 120, IReadOnlyList<string>? profiles = null) =>
        Client.InvokeAsync<EnvUpResponse>(
            Methods.EnvUp,
            new EnvUpRequest
            {
                SpecPath = spec ?? Folder,
                Cluster = string.Empty,
                Kubeconfig = configured ? string.Empty : Cluster.Host.KubeconfigPath,
                Context = configured ? string.Empty : "yak-local",
                TimeoutSeconds = timeoutSeconds,
                Profiles = profiles ?? [],
            },
            CancellationToken.None);

    public void WriteConfig(string yaml) => File.WriteAllText(Path.Combine(Sandbox.ConfigHome, "yak", "config.yaml"), yaml);

    /// <summary>Kills yakd the hard way and starts a new one on the same state.</summary>
    public async Task RestartDaemonAsync()
    {
        await Client.DisposeAsync();
        Daemon.KillHard();
        await Daemon.WaitForExitAsync().DefaultTimeout();
        await Daemon.DisposeAsync();
        Daemon = await DaemonProcess.StartAsync(Sandbox);
        Client = await Daemon.ConnectAsync().DefaultTimeout();
    }

    public async Task<V1Pod> PodAsync(string ns, string service)
    {
        var pods = await Cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"yak.dev/service={service}").DefaultTimeout();
        return Assert.Single(pods.Items, p => p.Metadata.DeletionTimestamp is null);
    }

    /// <summary>Waits on a watch until a Ready pod of the service satisfies <paramref name="predicate"/>.</summary>
    public async Task<V1Pod> WaitForReadyPodAsync(string ns, string service, Func<V1Pod, bool> predicate)
    {
        using var cancel = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        var list = await Cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"yak.dev/service={service}", cancellationToken: cancel.Token);
        var found = list.Items.FirstOrDefault(p => IsReady(p) && predicate(p));
        if (found is not null)
        {
            return found;
        }

        await foreach (var (_, pod) in WatchStream.WatchAsync<V1Pod>(Cluster.Client, $"api/v1/namespaces/{ns}/pods", labelSelector: $"yak.dev/service={service}", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cancel.Token))
        {
            if (IsReady(pod) && predicate(pod))
            {
                return pod;
            }
        }

        throw new TimeoutException($"no ready pod of {service}");
    }

    public async Task<string> ExecAsync(string ns, string pod, string container, params string[] command)
    {
        var output = string.Empty;
        var exit = await Cluster.Client.NamespacedPodExecAsync(
            pod,
            ns,
            container,
            command,
            tty: false,
            async (stdin, stdout, stderr) =>
            {
                stdin.Close();
                using var reader = new StreamReader(stdout);
                output = await reader.ReadToEndAsync();
            },
            CancellationToken.None).DefaultTimeout();
        Assert.Equal(0, exit);
        return output;
    }

    public async ValueTask DisposeAsync()
    {

        await Client.DisposeAsync();
        await Daemon.DisposeAsync();
        Sandbox.Dispose();
        await Cluster.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "YakDaemon.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
