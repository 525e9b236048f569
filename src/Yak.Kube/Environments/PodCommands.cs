using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Yak.Kube.Streams;

namespace Yak.Kube.Environments;

/// <summary>
/// Short commands run in a pod's container (no stdin), e.g. writing the initial-sync ready marker. Each runs in a
/// <see cref="KubeExecSession"/> that is disposed at the end, so its WebSocket and connection close at once
/// (KubernetesClient's NamespacedPodExecAsync leaves the socket to the finalizer).
/// </summary>
public static class PodCommands
{
    /// <summary>What is kept of stderr for an error message; the rest is drained.</summary>
    private const int MaxErrorBytes = 16 << 10;

    /// <summary>Runs <paramref name="command"/> and returns its exit code and stderr (or the API server's reason when it did not run).</summary>
    public static async Task<(int ExitCode, string Error)> ExecAsync(KubeConnection connection, string ns, string pod, string container, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var session = await KubeExecSession.StartAsync(connection, ns, pod, container, command, tty: false, stdin: false, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var drain = ReadAtMostAsync(session.Stdout, 0, cancellationToken);
            var error = await ReadAtMostAsync(session.Stderr, MaxErrorBytes, cancellationToken).ConfigureAwait(false);
            await drain.ConfigureAwait(false);
            var exit = await session.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (exit.ExitCode, exit.Error is { Length: > 0 } reason && error.Length == 0 ? reason : error.Trim());
        }
    }

    /// <summary>Runs <paramref name="command"/> and returns its exit code and up to <paramref name="maxBytes"/> of its stdout (the rest is drained).</summary>
    public static async Task<(int ExitCode, string Output)> ReadAsync(KubeConnection connection, string ns, string pod, string container, IReadOnlyList<string> command, int maxBytes, CancellationToken cancellationToken)
    {
        var session = await KubeExecSession.StartAsync(connection, ns, pod, container, command, tty: false, stdin: false, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var drainErrors = ReadAtMostAsync(session.Stderr, 0, cancellationToken);
            var output = await ReadAtMostAsync(session.Stdout, maxBytes, cancellationToken).ConfigureAwait(false);
            await drainErrors.ConfigureAwait(false);
            var exit = await session.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (exit.ExitCode, output);
        }
    }

    /// <summary>Reads <paramref name="reader"/> to its end, keeping its first <paramref name="maxBytes"/> as UTF-8 text.</summary>
    private static async Task<string> ReadAtMostAsync(PipeReader reader, int maxBytes, CancellationToken cancellationToken)
    {
        var kept = new ArrayBufferWriter<byte>(Math.Min(maxBytes, 4096) + 1);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                var room = maxBytes - kept.WrittenCount;
                if (room > 0)
                {
                    kept.Write(segment.Span[..Math.Min(room, segment.Length)]);
                }
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return Encoding.UTF8.GetString(kept.WrittenSpan);
            }
        }
    }
}
