using System.Diagnostics;
using System.Runtime.InteropServices;
using Yak.Testing;

namespace Yak.Agent.Tests;

/// <summary><c>yak-agent sidecar</c>: the sync sidecar's long-lived process.</summary>
public sealed partial class SidecarCommandTests
{
    [Fact]
    public async Task Sidecar_UntilSigterm_KeepsRunningThenExitsCleanly()
    {
        using var work = new TempDirectory("yak-sidecar-");
        var root = Path.Combine(work.Path, "yak-sync");
        var info = ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yak-agent.dll"), "sidecar", "--root", root]);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        try
        {
            var ready = await process.StandardError.ReadLineAsync().DefaultTimeout();
            Assert.Contains("sidecar ready", ready, StringComparison.Ordinal);
            Assert.True(Directory.Exists(root));
            Assert.False(process.HasExited);

            Assert.Equal(0, kill(process.Id, 15));
            await process.WaitForExitAsync().DefaultTimeout();

            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task Sidecar_WithoutRoot_IsAUsageError()
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(ProcessRunner.DotnetHost, [ProcessRunner.BesideTests("yak-agent.dll"), "sidecar"])).DefaultTimeout();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sidecar needs --root", result.StandardError, StringComparison.Ordinal);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
