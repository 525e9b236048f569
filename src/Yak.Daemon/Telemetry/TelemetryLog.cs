using Microsoft.Extensions.Logging;

namespace Yak.Daemon.Telemetry;

/// <summary>Telemetry's log messages (7xxx).</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(7000, LogLevel.Warning, "Could not store a wait in {Path}: {Reason}")]
    public static partial void StoreFailed(ILogger logger, string path, string reason);

    [LoggerMessage(7001, LogLevel.Warning, "Skipped {Count} unreadable lines of {Path}; they are dropped at the next compaction")]
    public static partial void CorruptLines(ILogger logger, string path, int count);

    [LoggerMessage(7002, LogLevel.Information, "Exporting {Signals} over OTLP ({Protocol}) to {Endpoint} every {Seconds} s")]
    public static partial void Exporting(ILogger logger, string signals, string protocol, string endpoint, int seconds);

    [LoggerMessage(7003, LogLevel.Debug, "Wait {Kind} {Subject}: {DurationMs} ms ({Outcome})")]
    public static partial void WaitEnded(ILogger logger, string kind, string subject, double durationMs, string outcome);
}
