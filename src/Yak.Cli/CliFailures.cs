using StreamJsonRpc;
using Yak.Client;

namespace Yak.Cli;

/// <summary>
/// Every failure a command can end with, as one line the user can act on (plus a hint) and a documented exit code.
/// Nothing reaches the user as a stack trace: what is not recognised is still reported in one line, and
/// <c>YAK_DEBUG=1</c> adds the trace for a bug report.
/// </summary>
internal static class CliFailures
{
    public const string DebugVariable = "YAK_DEBUG";

    private const string StartLocalCluster = "'yakctl cluster local start'";

    private static bool Debug => Environment.GetEnvironmentVariable(DebugVariable) is "1" or "true";

    /// <summary>The last chance: an exception on a background thread ends yakctl with a message, not a runtime dump.</summary>
    public static void InstallLastChance(TextWriter error)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            try
            {
                Report(e.ExceptionObject as Exception ?? new InvalidOperationException("unknown failure"), error);
                error.Flush();
            }
            finally
            {
                Environment.Exit(CliExitCodes.Failure);
            }
        };

        // A background task that failed after its command ended has nothing left to say.
        TaskScheduler.UnobservedTaskException += (_, e) => e.SetObserved();
    }

    /// <summary>As <see cref="Report"/>, and advice about the local cluster that matches whether it runs.</summary>
    public static async Task<int> ReportAsync(Exception exception, TextWriter error)
    {
        var (code, message, hint) = Describe(exception);
        if (message.Contains(StartLocalCluster, StringComparison.Ordinal)
            && await LocalClusterLauncher.Default.StatusAsync(CancellationToken.None).ConfigureAwait(false) is { } running)
        {
            // The daemon's advice assumes nothing runs; here it is known that the local cluster does.
            message = message
                .Replace($"; for the local cluster, {StartLocalCluster}.", ".", StringComparison.Ordinal)
                .Replace($", or start the local cluster with {StartLocalCluster}.", ".", StringComparison.Ordinal);
            hint = $"the local cluster is running: '--kubeconfig {running.Kubeconfig} --context {LocalClusterLauncher.ContextName}' targets it " +
                "(in an environment's folder its own cluster is used).";
        }

        return Write(exception, error, code, message, hint);
    }

    /// <summary>Writes <paramref name="exception"/> as the user should read it and returns yakctl's exit code for it.</summary>
    public static int Report(Exception exception, TextWriter error)
    {
        var (code, message, hint) = Describe(exception);
        return Write(exception, error, code, message, hint);
    }

    private static int Write(Exception exception, TextWriter error, int code, string message, string? hint)
    {
        error.WriteLine($"yakctl: {message}");
        if (hint is not null)
        {
            error.WriteLine($"hint: {hint}");
        }

        if (Debug)
        {
            error.WriteLine(exception.ToString());
        }

        return code;
    }

    private static (int Code, string Message, string? Hint) Describe(Exception exception) => exception switch
    {
        CliException ex => (ex.ExitCode, ex.Message, ex.Hint),
        DaemonUnavailableException ex => (CliExitCodes.DaemonUnavailable, ex.Message, DaemonLauncher.AutostartDisabled
            ? $"{DaemonLauncher.NoAutostartVariable}=1 is set; start it with 'yakctl daemon start'."
            : "'yakctl daemon run' starts it in the foreground and shows why it fails."),
        IncompatibleDaemonException ex => (CliExitCodes.IncompatibleProtocol, ex.Message, null),
        ConnectionLostException or DaemonConnectionLostException => (
            CliExitCodes.DaemonUnavailable,
            "yakd stopped before this command finished (the connection to it was lost).",
            "'yakctl daemon logs' shows why it stopped; the next yakctl command starts it again, and what it was doing resumes."),
        RemoteRpcException ex => (CliExitCodes.Failure, ex.Message, null),
        IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception => (CliExitCodes.Failure, exception.Message, null),
        _ => (
            CliExitCodes.Failure,
            $"unexpected failure: {exception.Message} ({exception.GetType().Name})",
            $"this is a bug in yakctl; run again with {DebugVariable}=1 for the details to report."),
    };
}

/// <summary>A failure the user can act on, with the exit code that goes with it and, when there is one, the fix.</summary>
internal sealed class CliException(string message, int exitCode = CliExitCodes.Failure, string? hint = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string? Hint { get; } = hint;
}
