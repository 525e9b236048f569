using k8s;
using k8s.Models;
using Yak.Forwarding;
using Yak.LocalCluster.Hosting;
using Yak.Testing;

namespace Yak.Benchmarks.Forward;

/// <summary>
/// A local cluster (process runtime) with one pod running the benchmark server on 8080: <c>PING</c> answers
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

    private BenchPod(TempDirectory state, LocalClusterHost host)
    {
        this.state = state;
        Host = host;
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath)).WithStreamKeepAlive();
    }

    public LocalClusterHost Host { get; }

    public Kubernetes Client { get; }

    public static async Task<BenchPod> StartAsync(CancellationToken cancellationToken)
    {
        var state = new TempDirectory("yak-fwdbench-");
        var host = await LocalClusterHost.StartAsync(new LocalClusterOptions { StateDirectory = state.Path }, cancellationToken);
        var bench = new BenchPod(state, host);
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
            if (PodPicker.IsServing(pod))
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
        Client.Dispose();
        await Host.DisposeAsync();
        state.Dispose();
    }
}
