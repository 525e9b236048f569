using System.Diagnostics;
using System.Net.Sockets;
using Yak.Client;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Benchmarks.Rpc;

/// <summary>
/// JSON-RPC round trip over yakd's socket beside the floor of a bare Unix-socket echo, and a cold
/// <c>yakctl daemon status</c> (autostart → first answer) beside a <c>yakctl version</c> that starts no daemon.
/// </summary>
public sealed class RpcBenchmarks : IBenchmarkSuite
{
    private const int Warmup = 500;
    private const int Calls = 10_000;
    private const int ColdRuns = 5;

    public string Name => "rpc";

    public string Description => "JSON-RPC round trip p50/p99 and cold yakctl → autostarted yakd → first answer";

    public async Task RunAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        await RoundTripAsync(report, cancellationToken);
        await ColdStartAsync(report, cancellationToken);
    }

    private static async Task RoundTripAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        using var sandbox = new YakSandbox();
        var environment = sandbox.Environment();
        var endpoint = DaemonEndpoint.Resolve(n => environment.TryGetValue(n, out var v) ? v : null);
        foreach (var (key, value) in environment)
        {
            Environment.SetEnvironmentVariable(key, value);
        }

        await using var client = await new DaemonLauncher(endpoint, "yak-bench").ConnectAsync(autostart: true, cancellationToken);
        var yak = await MeasureAsync(() => client.StatusAsync(cancellationToken), cancellationToken);

        var echoPath = Path.Combine(sandbox.Root, "echo.sock");
        using var echo = StartEcho(echoPath, cancellationToken);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(echoPath), cancellationToken);
        var payload = new byte[300]; // about the size of a status response
        var reply = new byte[payload.Length];
        var floor = await MeasureAsync(
            async () =>
            {
                await socket.SendAsync(payload, cancellationToken);
                var got = 0;
                while (got < reply.Length)
                {
                    got += await socket.ReceiveAsync(reply.AsMemory(got), cancellationToken);
                }
            },
            cancellationToken);

        report.Add("rpc", "daemon/status round trip p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(yak, 50)), "echo " + BenchmarkReport.Ms(BenchmarkReport.Percentile(floor, 50)), "≤ 1 ms");
        report.Add("rpc", "daemon/status round trip p99", BenchmarkReport.Ms(BenchmarkReport.Percentile(yak, 99)), "echo " + BenchmarkReport.Ms(BenchmarkReport.Percentile(floor, 99)));
        await client.ShutdownAsync("benchmark done", cancellationToken);
    }

    private static async Task ColdStartAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        var cold = new List<double>();
        var version = new List<double>();
        for (var run = 0; run < ColdRuns; run++)
        {
            using var sandbox = new YakSandbox();
            version.Add(await TimeProcessAsync(sandbox, ["version"], cancellationToken));
            cold.Add(await TimeProcessAsync(sandbox, ["daemon", "status"], cancellationToken));
            await TimeProcessAsync(sandbox, ["daemon", "stop"], cancellationToken);
        }

        report.Add("rpc", "cold yakctl daemon status (autostart) p50", BenchmarkReport.Ms(BenchmarkReport.Percentile(cold, 50)),
            "yakctl version " + BenchmarkReport.Ms(BenchmarkReport.Percentile(version, 50)));
        report.Add("rpc", "cold yakctl daemon status (autostart) max", BenchmarkReport.Ms(cold.Max()),
            "yakctl version " + BenchmarkReport.Ms(version.Max()));
    }

    private static async Task<double> TimeProcessAsync(YakSandbox sandbox, string[] arguments, CancellationToken cancellationToken)
    {
        var info = ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakctl.dll"), .. arguments], sandbox.Environment());
        var clock = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(info);
        clock.Stop();
        cancellationToken.ThrowIfCancellationRequested();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"yakctl {string.Join(' ', arguments)} failed: {result}");
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<List<double>> MeasureAsync(Func<Task> call, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Warmup; i++)
        {
            await call();
        }

        var samples = new List<double>(Calls);
        for (var i = 0; i < Calls && !cancellationToken.IsCancellationRequested; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return samples;
    }

    private static CancellationTokenSource StartEcho(string path, CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        _ = Task.Run(async () =>
        {
            using (listener)
            {
                using var peer = await listener.AcceptAsync(stop.Token);
                var buffer = new byte[4096];
                while (!stop.IsCancellationRequested)
                {
                    var read = await peer.ReceiveAsync(buffer, stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    await peer.SendAsync(buffer.AsMemory(0, read), stop.Token);
                }
            }
        }, stop.Token);
        return stop;
    }
}
