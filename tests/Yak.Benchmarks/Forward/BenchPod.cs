using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Yak.Forwarding;
using Yak.Testing;
using Yak.Kube.Pods;

namespace Yak.Benchmarks.Forward;

/// <summary>
/// A local cluster (its own process, process runtime) with one pod running the benchmark server on 8080: <c>PING</c> answers
/// <c>PONG</c>; <c>DOWN n</c> sends n bytes; <c>UP n</c> reads n bytes, then answers <c>OK</c>.
/// </summary>
internal sealed class BenchPod : IAsyncDisposable
{
    public const string Name = "bench";
    public const int Port = 8080;

    private const string Script = """
        import socket, threading
        blob = memoryview(b'\x5a' * (1 << 20))
        def handle(c):
            try:
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                f = c.makefile('rb')
                words = f.readline().split()
                if not words:
                    return
                if words[0] == b'PING':
                    c.sendall(b'PONG\n')
                elif words[0] == b'DOWN':
                    n = int(words[1])
                    while n > 0:
                        k = min(n, len(blob))
                        c.sendall(blob[:k])
                        n -= k
                elif words[0] == b'UP':
                    n = int(words[1])
                    while n > 0:
                        d = f.read1(1 << 20)
                        if not d:
                            break
                        n -= len(d)
                    c.sendall(b'OK\n')
            except OSError:
                pass
            finally:
                c.close()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', 8080))
        s.listen(1024)
        while True:
            conn, _ = s.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        """;

    private readonly TempDirectory state;
    private readonly Process server;

    private BenchPod(TempDirectory state, Process server, string kubeconfig)
    {
        this.state = state;
        this.server = server;
        KubeconfigPath = kubeconfig;
        Client = new Yak.Kube.KubeClient(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)).WithStreamKeepAlive();
    }

    public string KubeconfigPath { get; }

    public Kubernetes Client { get; }

    /// <summary>
    /// Starts <c>yak-local-cluster</c> as its own process (as a real API server is to yakd and to kubectl: the server's
    /// work and garbage collection never run inside the measured client), then the benchmark pod.
    /// </summary>
    public static async Task<BenchPod> StartAsync(CancellationToken cancellationToken)
    {
        var state = new TempDirectory("yak-fwdbench-");
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { ProcessRunner.BesideTests("yak-local-cluster.dll"), "--port", "0", "--state-dir", state.Path, "--kubeconfig", Path.Combine(state.Path, "kubeconfig") })
        {
            info.ArgumentList.Add(arg);
        }

        var server = Process.Start(info) ?? throw new InvalidOperationException("yak-local-cluster did not start");
        server.ErrorDataReceived += (_, _) => { };
        server.BeginErrorReadLine();
        var line = await server.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), cancellationToken)
            ?? throw new InvalidOperationException("yak-local-cluster exited before listening");
        var kubeconfig = JsonNode.Parse(line)!["kubeconfig"]!.GetValue<string>();
        var bench = new BenchPod(state, server, kubeconfig);
        await bench.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = Name },
            Spec = new V1PodSpec
            {
                TerminationGracePeriodSeconds = 1,
                Containers =
                [
                    new V1Container
                    {
                        Name = "server",
                        Image = "python:3.12",
                        Command = ["python3", "-u", "-c", Script],
                        ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = Port }, PeriodSeconds = 1 },
                    },
                ],
            },
        }, "default", cancellationToken: cancellationToken);

        // A benchmark, not a test: a bounded poll for readiness is fine here.
        for (var i = 0; i < 600; i++)
        {
            var pod = await bench.Client.CoreV1.ReadNamespacedPodAsync(Name, "default", cancellationToken: cancellationToken);
            if (PodPolicy.Ready.Accepts(pod))
            {
                return bench;
            }

            await Task.Delay(100, cancellationToken);
        }

        await bench.DisposeAsync();
        throw new TimeoutException("the benchmark pod did not become Ready in 60 s");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Stop the pod through the API, then SIGTERM the server (it stops whatever still runs); kill as a last resort.
            await Client.CoreV1.DeleteNamespacedPodAsync(Name, "default", gracePeriodSeconds: 0).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException or TimeoutException)
        {
        }

        Client.Dispose();
        using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        try
        {
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            server.Kill(entireProcessTree: true);
        }

        server.Dispose();
        state.Dispose();
    }
}
