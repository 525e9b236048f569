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
/// yakd killed with SIGKILL and started again: time until every forward answers on its port, until an edit made while
/// yakd was down is served by the pod (read through a forward), and until the sync session has reconciled (flush
/// done), beside what a person pays by hand: one <c>kubectl port-forward</c> start. <c>YAK_BENCH_BIN=DIR</c> runs the
/// published yakd in DIR (what packaging/build.sh ships) instead of <c>dotnet yakd.dll</c>.
/// </summary>
public sealed class RestartBenchmarks : IBenchmarkSuite
{
    private const int Forwards = 5;
    private const int Runs = 10;
    private const int Files = 2000;

    public string Name => "restart";

    public string Description => "yakd kill -9 → restart → every forward listening and sync resumed (ms), vs one kubectl port-forward start";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalClusterFixture.StartAsync();
        await CreateWorkloadAsync(cluster.Client, cancellationToken);
        await cluster.WaitForReadyPodAsync("app=code", except: null);
        using var sandbox = new YakSandbox();
        var source = Path.Combine(sandbox.Root, "src");
        WriteTree(source);
        var environment = sandbox.Environment();
        var endpoint = DaemonEndpoint.Resolve(n => environment.TryGetValue(n, out var v) ? v : null);

        var daemon = StartDaemon(sandbox);
        var ports = new List<int>();
        await using (var client = await ConnectAsync(endpoint, cancellationToken))
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

        var forwardsBack = new List<double>();
        var editVisible = new List<double>();
        var syncBack = new List<double>();
        long resent = 0;
        try
        {
            for (var run = 0; run < Runs; run++)
            {
                daemon.Kill(entireProcessTree: true);
                await daemon.WaitForExitAsync(cancellationToken);
                daemon.Dispose();
                var edit = $"edit{run}.txt";
                await File.WriteAllTextAsync(Path.Combine(source, edit), "edited", cancellationToken);
                var clock = Stopwatch.StartNew();
                daemon = StartDaemon(sandbox);
                var edited = WaitForHttpAsync(ports[0], cancellationToken, edit).ContinueWith(_ => clock.Elapsed.TotalMilliseconds, TaskScheduler.Default);
                await Task.WhenAll(ports.Select(p => WaitForHttpAsync(p, cancellationToken)));
                forwardsBack.Add(clock.Elapsed.TotalMilliseconds);
                editVisible.Add(await edited);
                await using var client = await ConnectAsync(endpoint, cancellationToken);
                var status = await client.FlushSyncAsync("code", cancellationToken);
                syncBack.Add(clock.Elapsed.TotalMilliseconds);
                resent += status.Sum(s => s.FilesSent);
            }
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
            daemon.Dispose();
        }

        var kubectl = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            kubectl.Add(await KubectlPortForwardStartAsync(cluster.Host.KubeconfigPath, cancellationToken));
        }

        report.Add("restart", $"kill -9 → {Forwards} forwards answering p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(forwardsBack, 50)),
            "one kubectl port-forward start " + BenchmarkReport.Ms(BenchmarkReport.Percentile(kubectl, 50)), "≤ 1 s");
        report.Add("restart", $"kill -9 → {Forwards} forwards answering max", BenchmarkReport.Ms(forwardsBack.Max()), "kubectl max " + BenchmarkReport.Ms(kubectl.Max()));
        report.Add("restart", "kill -9 → an edit made while down served by the pod p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(editVisible, 50)), string.Empty, "≤ 1 s");
        report.Add("restart", "kill -9 → an edit made while down served by the pod max", BenchmarkReport.Ms(editVisible.Max()));
        report.Add("restart", $"kill -9 → sync resumed ({Files} files, flush done) p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(syncBack, 50)), string.Empty, "≤ 2 s");
        report.Add("restart", "files re-sent by the resumed sync (all runs)", resent.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Empty, "0");
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

    private static async Task<DaemonClient> ConnectAsync(DaemonEndpoint endpoint, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await DaemonClient.ConnectAsync(endpoint, "yak-bench", cancellationToken);
            }
            catch (DaemonUnavailableException)
            {
                await Task.Delay(5, cancellationToken);
            }
        }
    }

    /// <summary>A forward counts as back when an HTTP request through it gets the pod's answer (a 200 for <paramref name="file"/>).</summary>
    private static async Task WaitForHttpAsync(int port, CancellationToken cancellationToken, string file = "f0.txt")
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

    private static async Task<double> KubectlPortForwardStartAsync(string kubeconfig, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(ProcessRunner.StartInfo("kubectl", ["--kubeconfig", kubeconfig, "port-forward", "deploy/code", ":8080"]))!;
        process.StandardInput.Close();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
            var port = int.Parse(line!.Split(':')[1].Split(' ')[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await WaitForHttpAsync(port, cancellationToken);
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken);
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
