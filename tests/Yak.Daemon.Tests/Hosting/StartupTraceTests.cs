using System.Collections.Concurrent;
using System.Diagnostics;
using Yak.Client;
using Yak.Testing;

namespace Yak.Daemon.Tests.Hosting;

/// <summary>YAK_STARTUP_TRACE=1 on a real yakd: every start-up phase is printed, and the traced daemon works as usual.</summary>
public sealed class StartupTraceTests
{
    [Fact]
    public async Task Start_TraceOn_EveryHostedServiceStartsAndEachPhaseIsPrinted()
    {
        using var sandbox = new YakSandbox();
        var info = DaemonProcess.StartInfo(sandbox);
        info.Environment["YAK_STARTUP_TRACE"] = "1";
        var lines = new ConcurrentQueue<string>();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var yakd = new Process { StartInfo = info };
        yakd.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines.Enqueue(line);
                if (line.Contains("first answer", StringComparison.Ordinal))
                {
                    answered.TrySetResult();
                }
            }
        };
        yakd.OutputDataReceived += (_, _) => { };
        Assert.True(yakd.Start());
        yakd.BeginErrorReadLine();
        yakd.BeginOutputReadLine();
        try
        {
            var endpoint = DaemonProcess.EndpointFor(sandbox);
            await using (var client = await ConnectWhenListeningAsync(endpoint, yakd).DefaultTimeout())
            {
                await client.StatusAsync(CancellationToken.None).DefaultTimeout();
            }

            await answered.Task.DefaultTimeout();
            var phases = lines.Where(l => l.StartsWith("yakd startup", StringComparison.Ordinal)).Select(Phase).ToList();

            // Each hosted service is started and marked once (one wrapper per service type), in the host's order.
            foreach (var phase in new[] { "main", "logging created", "host built", "IdleMemoryTrim started", "listening", "RpcServer started", "SyncSessionManager started", "ForwardManager started", "EnvironmentManager started", "first client accepted" })
            {
                Assert.Contains(phase, phases);
            }

            Assert.Single(phases, p => p.StartsWith("first answer", StringComparison.Ordinal));
            Assert.True(phases.IndexOf("host built") < phases.IndexOf("listening"), string.Join('\n', phases));

            // The RPC server is the first hosted service: it listens before the sessions resume.
            Assert.True(phases.IndexOf("RpcServer started") < phases.IndexOf("SyncSessionManager started"), string.Join('\n', phases));
            Assert.True(phases.IndexOf("listening") < phases.IndexOf("IdleMemoryTrim started"), string.Join('\n', phases));
        }
        finally
        {
            yakd.Kill(entireProcessTree: true);
            await yakd.WaitForExitAsync().DefaultTimeout();
        }
    }

    // "yakd startup   123.4 ms  PHASE  (jit: N methods, M ms)" → PHASE
    private static string Phase(string line)
    {
        var phase = line[(line.IndexOf(" ms  ", StringComparison.Ordinal) + 5)..];
        var jit = phase.LastIndexOf("  (jit: ", StringComparison.Ordinal);
        Assert.True(jit > 0, line);
        return phase[..jit];
    }

    private static async Task<DaemonClient> ConnectWhenListeningAsync(Yak.Protocol.Transport.DaemonEndpoint endpoint, Process yakd)
    {
        while (true)
        {
            try
            {
                return await DaemonClient.ConnectAsync(endpoint, "yak-tests", CancellationToken.None);
            }
            catch (DaemonUnavailableException) when (!yakd.HasExited)
            {
                // Not listening yet: retried on the next poll, bounded by the caller's timeout.
                await Task.Delay(20);
            }
        }
    }
}
