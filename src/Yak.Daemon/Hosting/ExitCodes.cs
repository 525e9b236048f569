namespace Yak.Daemon.Hosting;

/// <summary>yakd's process exit codes (documented in the README).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>Another yakd holds the lock for this user.</summary>
    public const int AlreadyRunning = 3;

    /// <summary>The socket folder exists but belongs to someone else or cannot be made private.</summary>
    public const int UnsafeSocketDirectory = 4;
}
