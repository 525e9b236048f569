using Microsoft.Extensions.Logging;

namespace Yak.Daemon.Forwards;

/// <summary>Forward log messages, ids 6xxx (never reused).</summary>
internal static partial class ForwardLog
{
    [LoggerMessage(6000, LogLevel.Information, "Forward {Name}: {State} {Reason}")]
    public static partial void StateChanged(ILogger logger, string name, string state, string reason);

    [LoggerMessage(6001, LogLevel.Warning, "Forward {Name} is not listening: {Reason}")]
    public static partial void NotResumed(ILogger logger, string name, string reason);

    [LoggerMessage(6002, LogLevel.Error, "The forward registry could not be read and was moved to {Path}: {Reason}")]
    public static partial void RegistryUnreadable(ILogger logger, string path, string reason);
}
