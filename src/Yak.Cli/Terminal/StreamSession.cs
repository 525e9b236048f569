using Yak.Cli.Output;
using Yak.Client;

namespace Yak.Cli.Terminal;

/// <summary>A remote command without a terminal: stdin piped to its end (when asked), stdout and stderr kept apart.</summary>
internal static class StreamSession
{
    public static async Task<int> RunAsync(CliContext context, DaemonStream stream, bool pipeStdin, CancellationToken cancellationToken)
    {
        var input = pipeStdin ? StdinPump.PipeAsync(stream, cancellationToken) : Task.CompletedTask;
        var code = await CopyOutputAsync(context, stream, cancellationToken);
        _ = input;
        return code;
    }

    /// <summary>Output frames to this process's stdout/stderr; the remote exit code, or 1 when there is none.</summary>
    public static async Task<int> CopyOutputAsync(CliContext context, DaemonStream stream, CancellationToken cancellationToken)
    {
        await using var stdout = StandardStreams.Writable(context.Output.Out);
        await using var stderr = StandardStreams.Writable(context.Output.Error);
        var code = await stream.CopyOutputAsync(stdout, stderr, null, error => context.Output.Error.WriteLine($"yakctl: {error}"), cancellationToken);
        return code < 0 ? CliExitCodes.Failure : code;
    }
}
