using k8s;

namespace Yak.Kube.Environments;

/// <summary>Short commands run in a pod's container (no stdin), e.g. writing the initial-sync ready marker.</summary>
public static class PodCommands
{
    /// <summary>Runs <paramref name="command"/> and returns its exit code and stderr.</summary>
    public static async Task<(int ExitCode, string Error)> ExecAsync(IKubernetes client, string ns, string pod, string container, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var error = string.Empty;
        var exit = await client.NamespacedPodExecAsync(
            pod,
            ns,
            container,
            [.. command],
            tty: false,
            async (stdin, stdout, stderr) =>
            {
                stdin.Close();
                using var errorReader = new StreamReader(stderr);
                var drain = stdout.CopyToAsync(Stream.Null, cancellationToken);
                error = await errorReader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                await drain.ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return (exit, error.Trim());
    }
}
