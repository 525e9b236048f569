using Microsoft.Extensions.Logging;

namespace Yak.Daemon.Environments;

/// <summary>Environment log messages, ids 5xxx (never reused; add at the end).</summary>
internal static partial class EnvironmentLog
{
    [LoggerMessage(5000, LogLevel.Information, "Environment {Name}: applied to {Namespace} on {Cluster} ({Changed} of {Total} objects changed)")]
    public static partial void Applied(ILogger logger, string name, string @namespace, string cluster, int changed, int total);

    [LoggerMessage(5001, LogLevel.Information, "Environment {Name}: {Service} {State} {Ready}/{Desired}")]
    public static partial void Progress(ILogger logger, string name, string service, string state, int ready, int desired);

    [LoggerMessage(5002, LogLevel.Warning, "Environment {Name}: {Service} is stuck: {Reason}")]
    public static partial void Stuck(ILogger logger, string name, string service, string reason);

    [LoggerMessage(5003, LogLevel.Information, "Environment {Name}: sync {Session} now targets pod {Pod}")]
    public static partial void SyncBound(ILogger logger, string name, string session, string pod);

    [LoggerMessage(5004, LogLevel.Information, "Environment {Name}: initial sync of pod {Pod} done, app released")]
    public static partial void MarkedReady(ILogger logger, string name, string pod);

    [LoggerMessage(5005, LogLevel.Warning, "Environment {Name}: {Message}")]
    public static partial void Warning(ILogger logger, string name, string message);

    [LoggerMessage(5006, LogLevel.Information, "Environment {Name} resumed on {Cluster} ({State})")]
    public static partial void Resumed(ILogger logger, string name, string cluster, string state);

    [LoggerMessage(5007, LogLevel.Information, "Environment {Name}: down (purge: {Purge})")]
    public static partial void Down(ILogger logger, string name, bool purge);

    [LoggerMessage(5008, LogLevel.Error, "The environment registry could not be read and was moved to {Path}: {Reason}")]
    public static partial void RegistryUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(5009, LogLevel.Warning, "Environment {Name}: supervision failed, retrying: {Reason}")]
    public static partial void SupervisorFailed(ILogger logger, string name, string reason);

    [LoggerMessage(5010, LogLevel.Information, "Environment {Name}: {State} {Reason}")]
    public static partial void StateChanged(ILogger logger, string name, string state, string reason);

    [LoggerMessage(5011, LogLevel.Debug, "Environment {Name}: pod watch lost ({Reason}); polling until it is back")]
    public static partial void WatchLost(ILogger logger, string name, string reason);

    [LoggerMessage(5012, LogLevel.Information, "Environment {Name}: applying {Objects} objects to {Namespace}")]
    public static partial void Applying(ILogger logger, string name, int objects, string @namespace);

    [LoggerMessage(5013, LogLevel.Information, "Environment {Name}: holding back {Waiting}")]
    public static partial void Held(ILogger logger, string name, string waiting);

    [LoggerMessage(5014, LogLevel.Information, "Environment {Name} moved from {From} to {To} ({Discarded} volumes discarded)")]
    public static partial void Moved(ILogger logger, string name, string from, string to, int discarded);

    [LoggerMessage(5015, LogLevel.Error, "Environment {Name}: resuming it failed unexpectedly")]
    public static partial void ResumeFailed(ILogger logger, Exception exception, string name);
}
