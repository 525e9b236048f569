using k8s;

namespace Yak.Kube.Environments;

/// <summary>Short commands run in a pod's container (no stdin), e.g. writing the initial-sync ready marker.</summary>
public static class PodCommands
{
    /// <summary>Runs <paramref name="command"/> and returns its exit code and stderr.</summary>
    public static async Task<(int ExitCode, string Error)> ExecAsync(IKubernetes client, string ns, string pod, string container, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var error = string.Empty;
        var exit = await RunAsync(client, ns, pod, container, command, async (stdout, stderr) =>
        {
            using var errorReader = new StreamReader(stderr);
            var drain = stdout.CopyToAsync(Stream.Null, cancellationToken);
            error = await errorReader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await drain.ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (exit, error.Trim());
    }

    /// <summary>Runs <paramref name="command"/> and returns its exit code and up to <paramref name="maxBytes"/> of its stdout (the rest is drained).</summary>
    public static async Task<(int ExitCode, string Output)> ReadAsync(IKubernetes client, string ns, string pod, string container, IReadOnlyList<string> command, int maxBytes, CancellationToken cancellationToken)
    {
        var output = string.Empty;
        var exit = await RunAsync(client, ns, pod, container, command, async (stdout, stderr) =>
        {
            var drainErrors = stderr.CopyToAsync(Stream.Null, cancellationToken);
            var buffer = new byte[maxBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stdout.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            await stdout.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            await drainErrors.ConfigureAwait(false);
            output = System.Text.Encoding.UTF8.GetString(buffer, 0, read);
        }, cancellationToken).ConfigureAwait(false);
        return (exit, output);
    }

    private static Task<int> RunAsync(IKubernetes client, string ns, string pod, string container, IReadOnlyList<string> command, Func<Stream, Stream, Task> consume, CancellationToken cancellationToken) =>
        client.NamespacedPodExecAsync(
            pod,
            ns,
            container,
            [.. command],
            tty: false,
            (stdin, stdout, stderr) =>
            {
                stdin.Close();
                return consume(stdout, stderr);
            },
            cancellationToken);
}
