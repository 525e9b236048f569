using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Yak.Daemon.Telemetry;

/// <summary>Starts the wait recorder with the host (before sessions resume, so their reconnects are timed) and says where waits are exported.</summary>
internal sealed class TelemetryStartup(WaitRecorder recorder, OtlpConfig? otlp, ILogger<TelemetryStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(recorder);
        if (otlp is not null)
        {
            var signals = string.Join(" and ", new[] { otlp.Traces ? "traces" : null, otlp.Metrics ? "metrics" : null }.OfType<string>());
            TelemetryLog.Exporting(logger, signals, otlp.Protocol ?? OtlpConfig.HttpProtobuf, otlp.Endpoint, (int)otlp.ExportInterval.TotalSeconds);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
