using Yak.Protocol.Errors;

namespace Yak.Daemon.Hosting;

/// <summary>A start-up failure with a message for people, its catalogue code and the exit code that goes with it.</summary>
internal sealed class DaemonStartupException(string message, int exitCode, YakError error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public YakError Error { get; } = error;

    /// <summary>What yakd prints on stderr: the error with its code, the fix, and where to read more (as yakctl prints errors).</summary>
    public static string Describe(string message, YakError error) =>
        $"yakd: error {error.Code}: {message}\nfix: {error.Fix}\nsee: {error.ExplainCommand}";
}
