using System.Diagnostics;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Benchmarks.Restart;

/// <summary>
/// What the restart and sleep suites interrupt: a local cluster serving a synced folder over HTTP from one pod, a yakd
/// with a sync session into it and <see cref="Forwards"/> forwards to it, and the probes that say it is back.
/// </summary>
internal sealed class ForwardedPod : IAsyncDisposable
{
    public const int Forwards = 5;
    public const int Files = 2000;

    private ForwardedPod(LocalClusterFixture cluster, YakSandbox sandbox, string source, Process daemon, IReadOnlyList<int> ports)
    {
        Cluster = cluster;
        Sandbox = sandbox;
        Source = source;
        Daemon = daemon;
        Ports = ports;
    }

    public LocalClusterFixture Cluster { get; }

    public YakSandbox Sandbox { get; }

    /// <summary>The local folder synced into the pod's /code, which the pod serves on port 8080.</summary>
    public string Source { get; }

    public Process Daemon { get; private set; }

    /// <summary>The forwards' local ports.</summary>
    public IReadOnlyList<int> Ports { get; }

    public DaemonEndpoint Endpoint => DaemonEndpoint.Resolve(n => Sandbox.Environment().TryGetValue(n, out var v) ? v : null);

    public static async Task<ForwardedPod> StartAsync(CancellationToken cancellationToken)
    {
        var cluster = await LocalClusterFixture.StartAsync();
        await CreateWorkloadAsync(cluster.Client, cancellationToken);
        await cluster.WaitForReadyPodAsync("app=code", except: null);
        var sandbox = new YakSandbox();
        var source = Path.Combine(sandbox.Root, "src");
        WriteTree(source);
        var daemon = StartDaemon(sandbox);
        var ports = new List<int>();
        var endpoint = DaemonEndpoint.Resolve(n => sandbox.Environment().TryGetValue(n, out var v) ? v : null);
        await using (var client = await DaemonWait.ConnectAsync(endpoint, cancellationToken))
        {
            await client.CreateSyncAsync(
                new SyncCreateRequest { Name = "code", LocalPath = source, Endpoint = "selector:default/app=code/yak-sync:/code", Excludes = [], Kubeconfig = cluster.Host.KubeconfigPath, Context = "yak-local" },
                cancellationToken);
            await client.FlushSyncAsync("code", cancellationToken);
            for (var i = 0; i < Forwards; i++)
            {
                var forward = await client.AddForwardAsync(
                    new ForwardAddRequest { Name = $"f{i}", Namespace = "default", Target = "app=code", LocalPort = 0, RemotePort = 8080, Kubeconfig = cluster.Host.KubeconfigPath, Context = "yak-local", Environment = string.Empty },
                    cancellationToken);
                ports.Add(forward.LocalPort);
            }
        }

        return new ForwardedPod(cluster, sandbox, source, daemon, ports);
    }

    /// <summary>Kills yakd (SIGKILL, the whole tree) and waits for it to be gone.</summary>
    public async Task KillDaemonAsync(CancellationToken cancellationToken)
    {
        Daemon.Kill(entireProcessTree: true);
        await Daemon.WaitForExitAsync(cancellationToken);
        Daemon.Dispose();
    }

    public void RestartDaemon() => Daemon = StartDaemon(Sandbox);

    public Task<DaemonClient> ConnectAsync(CancellationToken cancellationToken) => DaemonWait.ConnectAsync(Endpoint, cancellationToken);

    /// <summary>Completes when every forward serves <c>f0.txt</c> and the forward on the first port serves <paramref name="edit"/>; the two times from <paramref name="clock"/>.</summary>
    public async Task<(double ForwardsBack, double EditVisible)> WaitBackAsync(Stopwatch clock, string edit, CancellationToken cancellationToken)
    {
        var edited = WaitForHttpAsync(Ports[0], cancellationToken, edit).ContinueWith(_ => clock.Elapsed.TotalMilliseconds, TaskScheduler.Default);
        await Task.WhenAll(Ports.Select(p => WaitForHttpAsync(p, cancellationToken)));
        var forwardsBack = clock.Elapsed.TotalMilliseconds;
        return (forwardsBack, await edited);
    }

    /// <summary>How many runs a suite makes: <c>YAK_BENCH_RUNS</c> (default 10; fewer to iterate).</summary>
    public static int Runs => int.TryParse(Environment.GetEnvironmentVariable("YAK_BENCH_RUNS"), System.Globalization.CultureInfo.InvariantCulture, out var runs) && runs > 0 ? runs : 10;

    public async ValueTask DisposeAsync()
    {
        try
        {
            Daemon.Kill(entireProcessTree: true);
            await Daemon.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        // YAK_BENCH_KEEP_LOGS=DIR keeps yakd's logs of the run (to read the timeline of a reconnect).
        if (Environment.GetEnvironmentVariable("YAK_BENCH_KEEP_LOGS") is { Length: > 0 } keep && Directory.Exists(Sandbox.LogDirectory))
        {
            Directory.CreateDirectory(keep);
            foreach (var log in Directory.EnumerateFiles(Sandbox.LogDirectory))
            {
                File.Copy(log, Path.Combine(keep, Path.GetFileName(log)), overwrite: true);
            }
        }

        Daemon.Dispose();
        Sandbox.Dispose();
        await Cluster.DisposeAsync();
    }

    private static Process StartDaemon(YakSandbox sandbox)
    {
        var info = Environment.GetEnvironmentVariable("YAK_BENCH_BIN") is { Length: > 0 } bin
            ? ProcessRunner.StartInfo(Path.Combine(Path.GetFullPath(bin), "yakd"), ["--background"], sandbox.Environment())
            : ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakd.dll"), "--background"], sandbox.Environment());
        var process = Process.Start(info)!;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A forward counts as back when an HTTP request through it gets the pod's answer (a 200 for <paramref name="file"/>).</summary>
    public static async Task WaitForHttpAsync(int port, CancellationToken cancellationToken, string file = "f0.txt")
    {
        while (true)
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync("127.0.0.1", port, cancellationToken);
                await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET /{file} HTTP/1.0\r\n\r\n"), cancellationToken);
                var buffer = new byte[64];
                if (await socket.ReceiveAsync(buffer, cancellationToken) > 0 && System.Text.Encoding.ASCII.GetString(buffer).StartsWith("HTTP/1.0 200", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    private static void WriteTree(string root)
    {
        var random = new Random(11);
        for (var i = 0; i < Files; i++)
        {
            var folder = Path.Combine(root, $"d{i % 40}");
            Directory.CreateDirectory(folder);
            var bytes = new byte[random.Next(100, 4000)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(folder, $"f{i}.bin"), bytes);
        }

        File.WriteAllText(Path.Combine(root, "f0.txt"), "hello");
    }

    private static async Task CreateWorkloadAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, string> { ["app"] = "code" };
        var template = LocalClusterFixture.SidecarPod("unused");
        template.Spec.Containers[0].Image = "python";
        template.Spec.Containers[0].Command = ["python3", "-m", "http.server", "8080", "--directory", "/code"];
        template.Spec.Containers[0].ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 8080 }, PeriodSeconds = 1 };
        await client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "code" },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 1,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = template.Spec },
                },
            },
            "default",
            cancellationToken: cancellationToken);
    }
}
