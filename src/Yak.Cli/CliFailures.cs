using System.Text.Json;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Errors;

namespace Yak.Cli;

/// <summary>
/// Every failure a command can end with, as one line with its code in the error catalogue, the fix, and a documented exit code.
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
        var failure = Describe(exception);
        if (failure.Message.Contains(StartLocalCluster, StringComparison.Ordinal)
            && await LocalClusterLauncher.Default.StatusAsync(CancellationToken.None).ConfigureAwait(false) is { } running)
        {
            // The daemon's advice assumes nothing runs; here it is known that the local cluster does.
            failure = failure with
            {
                Message = failure.Message
                    .Replace($"; for the local cluster, {StartLocalCluster}.", ".", StringComparison.Ordinal)
                    .Replace($", or start the local cluster with {StartLocalCluster}.", ".", StringComparison.Ordinal),
                Fix = $"the local cluster is running: '--kubeconfig {running.Kubeconfig} --context {LocalClusterLauncher.ContextName}' targets it " +
                    "(in an environment's folder its own cluster is used).",
            };
        }

        return Write(exception, error, failure);
    }

    /// <summary>Writes <paramref name="exception"/> as the user should read it and returns yakctl's exit code for it.</summary>
    public static int Report(Exception exception, TextWriter error) => Write(exception, error, Describe(exception));

    /// <summary>
    /// <c>error YAK1201: message</c>, then <c>fix: …</c> and <c>see: yakctl explain YAK1201</c>: the code is what a
    /// search finds, the fix what to do now, the page what to read when the fix is not enough.
    /// </summary>
    public static void Write(TextWriter error, YakError code, string message, string? fix)
    {
        error.WriteLine($"error {code.Code}: {message}");
        error.WriteLine($"fix: {fix ?? code.Fix}");
        error.WriteLine($"see: {code.ExplainCommand}");
    }

    private static int Write(Exception exception, TextWriter error, Failure failure)
    {
        Write(error, failure.Error, failure.Message, failure.Fix);
        if (Debug)
        {
            error.WriteLine(exception.ToString());
        }

        return failure.ExitCode;
    }

    private static Failure Describe(Exception exception) => exception switch
    {
        CliException ex => new(ex.ExitCode, ex.Error, ex.Message, ex.Hint),
        DaemonUnavailableException ex => new(CliExitCodes.DaemonUnavailable, YakErrors.DaemonUnavailable, ex.Message, DaemonLauncher.AutostartDisabled
            ? $"{DaemonLauncher.NoAutostartVariable}=1 is set; start it with 'yakctl daemon start'."
            : null),
        IncompatibleDaemonException ex => new(CliExitCodes.IncompatibleProtocol, YakErrors.IncompatibleProtocol, ex.Message, null),
        ConnectionLostException or DaemonConnectionLostException => new(
            CliExitCodes.DaemonUnavailable,
            YakErrors.DaemonConnectionLost,
            "yakd stopped before this command finished (the connection to it was lost).",
            "'yakctl daemon logs' shows why it stopped; the next yakctl command starts it again, and what it was doing resumes."),
        UntrustedDaemonException ex => new(CliExitCodes.Failure, YakErrors.UntrustedSocket, ex.Message, null),
        DaemonAnswerUnreadableException ex when !Output.VersionReport.SameRelease(ex.DaemonVersion, DaemonClient.ClientVersion) => new(
            CliExitCodes.Failure,
            YakErrors.VersionMismatch,
            $"the running yakd is {ex.DaemonVersion}, this yakctl is {DaemonClient.ClientVersion}, and yakctl cannot read its answer to {ex.Method}.",
            "'yakctl daemon restart' replaces the running yakd with the installed one (sessions and environments are kept); then run the command again."),
        DaemonAnswerUnreadableException ex => new(
            CliExitCodes.Failure,
            YakErrors.Unexpected,
            ex.Message,
            $"yakd and yakctl are the same release, so this is a bug; run again with {DebugVariable}=1 for the details to report."),
        RemoteInvocationException ex => Remote(ex),
        RemoteRpcException ex => new(CliExitCodes.Failure, YakErrors.Unexpected, ex.Message, null),
        IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception => new(CliExitCodes.Failure, YakErrors.Unexpected, exception.Message, "the message names the file or program; check it exists and is yours."),
        _ => new(
            CliExitCodes.Failure,
            YakErrors.Unexpected,
            $"unexpected failure: {exception.Message} ({exception.GetType().Name})",
            $"this is a bug in yakctl; run again with {DebugVariable}=1 for the details to report."),
    };

    /// <summary>yakd's error: its code and fix travel in the error's data (RpcErrorInfo); an older yakd sends only the JSON-RPC code.</summary>
    private static Failure Remote(RemoteInvocationException ex)
    {
        string? code = null;
        string? fix = null;
        if (ex.ErrorData is JsonElement { ValueKind: JsonValueKind.Object } data)
        {
            code = data.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            fix = data.TryGetProperty("fix", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        }

        var error = YakErrors.Find(code) ?? ex.ErrorCode switch
        {
            ErrorCodes.NotFound => YakErrors.NotFound,
            ErrorCodes.InvalidArgument or (int)JsonRpcErrorCode.InvalidParams => YakErrors.InvalidArgument,
            ErrorCodes.HandshakeRequired => YakErrors.HandshakeRequired,
            ErrorCodes.IncompatibleProtocol => YakErrors.IncompatibleProtocol,
            ErrorCodes.ShuttingDown => YakErrors.ShuttingDown,
            (int)JsonRpcErrorCode.InvocationError => YakErrors.ClusterRefused,
            _ => YakErrors.Unexpected,
        };
        return new(CliExitCodes.Failure, error, ex.Message, fix);
    }

    private sealed record Failure(int ExitCode, YakError Error, string Message, string? Fix);
}

/// <summary>A failure the user can act on, with its code in the catalogue, the exit code that goes with it and, when known, a fix more specific than the catalogue's.</summary>
internal sealed class CliException(string message, YakError error, int exitCode = CliExitCodes.Failure, string? hint = null) : Exception(message)
{
    public YakError Error { get; } = error;

    public int ExitCode { get; } = exitCode;

    public string? Hint { get; } = hint;
}
