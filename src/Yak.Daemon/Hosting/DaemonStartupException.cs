namespace Yak.Daemon.Hosting;

/// <summary>A start-up failure with a message for people and the exit code that goes with it.</summary>
internal sealed class DaemonStartupException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
