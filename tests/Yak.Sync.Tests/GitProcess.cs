using System.Diagnostics;

namespace Yak.Sync.Tests;

/// <summary>Runs the real git (installed on the machines) to compare our ignore semantics with its.</summary>
internal static class GitProcess
{
    public static string Run(string workingDirectory, string arguments, string? input = null, bool allowExit1 = false)
    {
        var start = new ProcessStartInfo("git", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["HOME"] = workingDirectory; // no user-level excludesFile
        using var process = Process.Start(start)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (input is not null)
            {
                process.StandardInput.Write(input);
            }

            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"git {arguments} did not finish");
            }

            var ok = process.ExitCode == 0 || (allowExit1 && process.ExitCode == 1);
            Assert.True(ok, $"git {arguments} exited {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
