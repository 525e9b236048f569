using System.Diagnostics;
using System.Text;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>Runs the real kubectl against a kubeconfig; a missing kubectl fails the test with a clear message.</summary>
internal static class Kubectl
{
    public static string Path()
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var found = dirs.Select(d => System.IO.Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);
        Assert.True(found is not null, "kubectl is not on PATH: the kubectl conformance tests need the real kubectl binary (install kubectl ≥ 1.31 and put it on PATH)");
        return found!;
    }

    public static ProcessStartInfo StartInfo(string kubeconfig, params string[] args)
    {
        var psi = new ProcessStartInfo(Path())
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
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string? stdin, params string[] args)
    {
        using var process = Process.Start(StartInfo(kubeconfig, args))!;
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
