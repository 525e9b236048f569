using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Yak.Forwarding;

namespace Yak.Benchmarks.Forward;

/// <summary>
/// yak's <see cref="PortForward"/> beside the real <c>kubectl port-forward</c>, same local cluster, same pod, same
/// run: throughput of one connection each way, and connection set-up latency (connect → first byte of a tiny
/// request/response, every connection its own stream).
/// </summary>
public sealed class ForwardBenchmarks : IBenchmarkSuite
{
    private const long TransferBytes = 200L * 1024 * 1024;
    private const int TransferRuns = 5;
    private const int Connections = 200;
    private const int Warmup = 10;

    public string Name => "forward";

    public string Description => "port-forward throughput (200 MB, one connection) and set-up latency p50/p99 (200 connections), yak vs kubectl";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        await using var bench = await BenchPod.StartAsync(cancellationToken);
        await using var yak = new PortForward(bench.Client, new PortForwardOptions { Target = ForwardTarget.Pod("default", BenchPod.Name), RemotePort = BenchPod.Port });
        await yak.StartAsync(cancellationToken);
        await using var kubectl = await KubectlPortForward.StartAsync(bench.KubeconfigPath, BenchPod.Name, BenchPod.Port, cancellationToken);

        foreach (var port in new[] { yak.LocalPort, kubectl.LocalPort })
        {
            for (var i = 0; i < Warmup; i++)
            {
                await PingAsync(port, cancellationToken);
            }

            await DownloadAsync(port, 16 * 1024 * 1024, cancellationToken);
        }

        // Interleaved runs, best of each: the machine is shared, and the best run is the least disturbed one.
        var yakDown = new List<double>();
        var kubectlDown = new List<double>();
        var yakUp = new List<double>();
        var kubectlUp = new List<double>();
        for (var run = 0; run < TransferRuns; run++)
        {
            yakDown.Add(await DownloadAsync(yak.LocalPort, TransferBytes, cancellationToken));
            kubectlDown.Add(await DownloadAsync(kubectl.LocalPort, TransferBytes, cancellationToken));
            yakUp.Add(await UploadAsync(yak.LocalPort, TransferBytes, cancellationToken));
            kubectlUp.Add(await UploadAsync(kubectl.LocalPort, TransferBytes, cancellationToken));
        }

        report.Add(Name, "throughput pod→local, 200 MB, one connection (best of 5)", Rate(yakDown.Max()), "kubectl " + Rate(kubectlDown.Max()), "≥ 90% of kubectl");
        report.Add(Name, "  yak / kubectl pod→local", Percent(yakDown.Max() / kubectlDown.Max()));
        report.Add(Name, "throughput local→pod, 200 MB, one connection (best of 5)", Rate(yakUp.Max()), "kubectl " + Rate(kubectlUp.Max()), "≥ 90% of kubectl");
        report.Add(Name, "  yak / kubectl local→pod", Percent(yakUp.Max() / kubectlUp.Max()));

        var yakSetup = new List<double>();
        var kubectlSetup = new List<double>();
        for (var i = 0; i < Connections; i++)
        {
            yakSetup.Add(await PingAsync(yak.LocalPort, cancellationToken));
            kubectlSetup.Add(await PingAsync(kubectl.LocalPort, cancellationToken));
        }

        report.Add(Name, "set-up: connect → first byte p50 (200 connections)", BenchmarkReport.Ms(BenchmarkReport.Percentile(yakSetup, 50)), "kubectl " + BenchmarkReport.Ms(BenchmarkReport.Percentile(kubectlSetup, 50)));
        report.Add(Name, "set-up: connect → first byte p99 (200 connections)", BenchmarkReport.Ms(BenchmarkReport.Percentile(yakSetup, 99)), "kubectl " + BenchmarkReport.Ms(BenchmarkReport.Percentile(kubectlSetup, 99)));
        var status = yak.GetStatus();
        report.Add(Name, "yak forward after the run", $"{status.State}, {status.TotalConnections} connections, {status.FailedConnections} failed, in {BenchmarkReport.Bytes(status.BytesIn)}, out {BenchmarkReport.Bytes(status.BytesOut)}");
    }

    /// <summary>Connect, send PING, time until the first byte of the answer (milliseconds).</summary>
    private static async Task<double> PingAsync(int port, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var socket = await ConnectAsync(port, cancellationToken);
        await socket.SendAsync("PING\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[16];
        var n = await socket.ReceiveAsync(buffer, cancellationToken);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (n == 0)
        {
            throw new IOException($"port {port}: connection closed before the first byte");
        }

        return elapsed;
    }

    /// <summary>Bytes per second received from the pod.</summary>
    private static async Task<double> DownloadAsync(int port, long bytes, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(port, cancellationToken);
        var buffer = new byte[256 * 1024];
        var watch = Stopwatch.StartNew();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"DOWN {bytes.ToString(CultureInfo.InvariantCulture)}\n"), cancellationToken);
        long received = 0;
        while (received < bytes)
        {
            var n = await socket.ReceiveAsync(buffer, cancellationToken);
            if (n == 0)
            {
                throw new IOException($"port {port}: download ended after {received} of {bytes} bytes");
            }

            received += n;
        }

        return bytes / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Bytes per second sent to the pod (until the pod confirms it read them all).</summary>
    private static async Task<double> UploadAsync(int port, long bytes, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(port, cancellationToken);
        var chunk = new byte[256 * 1024];
        Array.Fill(chunk, (byte)0x5a);
        var watch = Stopwatch.StartNew();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"UP {bytes.ToString(CultureInfo.InvariantCulture)}\n"), cancellationToken);
        for (long sent = 0; sent < bytes; sent += chunk.Length)
        {
            await socket.SendAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)), cancellationToken);
        }

        var answer = new byte[8];
        var n = await socket.ReceiveAsync(answer, cancellationToken);
        if (n == 0)
        {
            throw new IOException($"port {port}: upload not confirmed");
        }

        return bytes / watch.Elapsed.TotalSeconds;
    }

    private static async Task<Socket> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        return socket;
    }

    private static string Rate(double bytesPerSecond) => (bytesPerSecond / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB/s";

    private static string Percent(double ratio) => (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
}
