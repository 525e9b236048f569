using System.Diagnostics;

namespace Yak.LocalCluster.Runtime;

/// <summary>Runs a short helper command (ip, nsenter) and reports its exit code and error text.</summary>
internal static class HostCommand
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, string? stdin, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");

        // Process.Dispose does not close streams that were handed out: these readers are closed here, or their pipes
        // would stay open until a finalizer ran (the node runs such commands for every pod it starts).
        using var output = process.StandardOutput;
        using var error = process.StandardError;
        var stdout = output.ReadToEndAsync(cancellationToken);
        var stderr = error.ReadToEndAsync(cancellationToken);
        await using (var input = process.StandardInput)
        {
            if (stdin is not null)
            {
                await input.WriteAsync(stdin.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false)));
    }

    /// <summary>The local cluster's own PATH, or the usual system folders when it has none.</summary>
    public static string HostPath => Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static bool IsOnPath(string file) => Find(file) is not null;

    /// <summary>
    /// The absolute path of a host tool on the host's PATH (the name itself when absent, so the error names it).
    /// Wrappers started with a container's environment must not look host tools up on the container's PATH.
    /// </summary>
    public static string Resolve(string file) => Find(file) ?? file;

    private static string? Find(string file) =>
        HostPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, file))
            .FirstOrDefault(File.Exists);
}
