using System.Diagnostics;
using System.Text;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>
/// Runs the real kubectl against a kubeconfig. Versions are the <c>kubectl.1.31</c>-style binaries beside
/// <c>kubectl</c> on PATH (as the CI machines have them); a missing binary fails the test with a clear message.
/// </summary>
internal static class Kubectl
{
    /// <summary>The kubectl versions every kubectl test runs with.</summary>
    public static TheoryData<string> Versions => new() { "1.31", "1.32", "1.33" };

    public static string Path(string? version = null)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var kubectl = dirs.Select(d => System.IO.Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);
        Assert.True(kubectl is not null, "kubectl is not on PATH: the kubectl conformance tests need the real kubectl binary (install kubectl ≥ 1.31 and put it on PATH)");
        if (version is null)
        {
            return kubectl!;
        }

        var real = File.ResolveLinkTarget(kubectl!, returnFinalTarget: true)?.FullName ?? kubectl!;
        var versioned = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(real)!, $"kubectl.{version}");
        Assert.True(File.Exists(versioned), $"kubectl {version} is missing: expected {versioned} beside kubectl on PATH");
        return versioned;
    }

    public static ProcessStartInfo StartInfo(string version, string kubeconfig, params string[] args)
    {
        var psi = new ProcessStartInfo(Path(version))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment["HOME"] = System.IO.Path.GetDirectoryName(kubeconfig)!;
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return psi;
    }

    /// <summary>Runs kubectl to completion with <paramref name="stdin"/> as its input.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string version, string kubeconfig, string? stdin, params string[] args)
    {
        using var process = Process.Start(StartInfo(version, kubeconfig, args))!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin).DefaultTimeout();
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync().DefaultTimeout();
            return (process.ExitCode, await stdout.DefaultTimeout(), await stderr.DefaultTimeout());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    public static string Describe((int ExitCode, string Stdout, string Stderr) result) =>
        new StringBuilder().Append("exit ").Append(result.ExitCode).Append("\nstdout: ").Append(result.Stdout).Append("\nstderr: ").Append(result.Stderr).ToString();
}
