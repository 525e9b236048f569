using System.Diagnostics;
using System.Runtime.InteropServices;
using Yak.Client;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Daemon.Tests;

/// <summary>A real yakd child process in a sandbox, reachable over its real socket.</summary>
internal sealed partial class DaemonProcess : IAsyncDisposable
{
    private readonly Process process;

    private DaemonProcess(Process process, YakSandbox sandbox)
    {
        this.process = process;
        Sandbox = sandbox;
    }

    public YakSandbox Sandbox { get; }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public DaemonEndpoint Endpoint => EndpointFor(Sandbox);

    public static DaemonEndpoint EndpointFor(YakSandbox sandbox)
    {
        var environment = sandbox.Environment();
        return DaemonEndpoint.Resolve(name => environment.TryGetValue(name, out var value) ? value : null);
    }

    /// <summary>Starts yakd and returns once it answers a handshake.</summary>
    public static async Task<DaemonProcess> StartAsync(YakSandbox sandbox)
    {
        var process = Process.Start(StartInfo(sandbox))!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new DaemonProcess(process, sandbox);
        await using var client = await daemon.ConnectWhenReadyAsync().DefaultTimeout();
        return daemon;
    }

    public static ProcessStartInfo StartInfo(YakSandbox sandbox) =>
        ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yakd.dll"), "--background"], sandbox.Environment());

    public Task<DaemonClient> ConnectAsync() => DaemonClient.ConnectAsync(Endpoint, "yak-tests", CancellationToken.None);

    /// <summary>Retries the connection until the daemon answers or the process dies (then says why).</summary>
    public async Task<DaemonClient> ConnectWhenReadyAsync()
    {
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"yakd exited with {process.ExitCode} before answering; logs in {Sandbox.LogDirectory}");
            }

            try
            {
                return await ConnectAsync();
            }
            catch (DaemonUnavailableException)
            {
                // Not listening yet: a cold .NET start takes a few hundred ms. Retry on the next poll.
                await Task.Delay(20);
            }
        }
    }

    public Task WaitForExitAsync() => process.WaitForExitAsync();

    public int ExitCode => process.ExitCode;

    public void Signal(int signal)
    {
        if (kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void KillHard() => process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().DefaultTimeout();
        }

        process.Dispose();
    }

    public const int SigTerm = 15;
    public const int SigInt = 2;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
