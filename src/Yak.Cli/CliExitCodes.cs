namespace Yak.Cli;

/// <summary>yakctl's exit codes; the README lists them. Never renumber: scripts depend on them.</summary>
internal static class CliExitCodes
{
    public const int Success = 0;

    /// <summary>The operation failed; the message says why.</summary>
    public const int Failure = 1;

    /// <summary>The command line could not be parsed.</summary>
    public const int Usage = 2;

    /// <summary>No daemon answers and none could be started (or autostart is off).</summary>
    public const int DaemonUnavailable = 3;

    /// <summary>yakctl and yakd speak incompatible protocol versions.</summary>
    public const int IncompatibleProtocol = 4;

    /// <summary>Interrupted by Ctrl+C.</summary>
    public const int Interrupted = 130;
}
