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
    private bool disposed;

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
        try
        {
            await using var client = await daemon.ConnectWhenReadyAsync().DefaultTimeout();
        }
        catch (TimeoutException e)
        {
            await daemon.DisposeAsync();
            throw new TimeoutException($"yakd did not answer a handshake within {TaskTimeoutExtensions.DefaultTimeoutSpan.TotalSeconds:F0}s; its log ends:\n{LogTail(sandbox)}", e);
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        return daemon;
    }

    public static ProcessStartInfo StartInfo(YakSandbox sandbox) =>
        YakdUnderTest.StartInfo(["--background"], sandbox.Environment());

    public Task<DaemonClient> ConnectAsync() => DaemonClient.ConnectAsync(Endpoint, "yak-tests", CancellationToken.None);

    /// <summary>Retries the connection until the daemon answers or the process dies (then says why).</summary>
    public async Task<DaemonClient> ConnectWhenReadyAsync()
    {
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"yakd exited with {process.ExitCode} before answering; its log ends:\n{LogTail(Sandbox)}");
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

    /// <summary>The last lines of yakd's newest log: the sandbox (and the log with it) is gone once the test fails.</summary>
    private static string LogTail(YakSandbox sandbox, int lines = 30)
    {
        var newest = Directory.Exists(sandbox.LogDirectory)
            ? new DirectoryInfo(sandbox.LogDirectory).GetFiles("yakd*.log").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()
            : null;
        if (newest is null)
        {
            return $"(no log in {sandbox.LogDirectory})";
        }

        var all = ReadShared(newest.FullName).Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>Every log file of the sandbox, read while yakd may still be writing them.</summary>
    public static string LogText(YakSandbox sandbox) => string.Concat(Directory.GetFiles(sandbox.LogDirectory).Select(ReadShared));

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Waits for the exit; one that does not come within the default timeout fails with the log's tail (where the stop stuck).</summary>
    public async Task WaitForExitAsync()
    {
        try
        {
            await process.WaitForExitAsync().DefaultTimeout();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"yakd (pid {process.Id}) did not exit within {TaskTimeoutExtensions.DefaultTimeoutSpan.TotalSeconds:F0}s; its log ends:\n{LogTail(Sandbox)}", e);
        }
    }

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
        // Idempotent: a test that restarts yakd disposes the old one, and its finally must not hide why the new one failed.
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().DefaultTimeout();
        }

        process.Dispose();
    }

    public const int SigTerm = 15;
    public const int SigInt = 2;
    public static readonly int SigCont = OperatingSystem.IsMacOS() ? 19 : 18;
    public static readonly int SigStop = OperatingSystem.IsMacOS() ? 17 : 19;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
