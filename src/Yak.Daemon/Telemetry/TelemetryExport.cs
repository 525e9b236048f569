using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Yak.Daemon.Hosting;

namespace Yak.Daemon.Telemetry;

/// <summary>
/// OTLP export of yakd's spans and metrics when config.yaml asks for it (and only then: nothing leaves the machine
/// by default). What is sent is documented in docs/telemetry.md: the waits' spans (names yak.*, attributes yak.*),
/// the <c>yak.wait.duration</c> histogram, and the resource attributes service.name=yakd, service.version, yak.owner.
/// </summary>
internal static class TelemetryExport
{
    public static void Configure(IServiceCollection services, OtlpConfig otlp, string? owner)
    {
        var grpc = otlp.Protocol == OtlpConfig.Grpc;
        var interval = (int)otlp.ExportInterval.TotalMilliseconds;
        var headers = string.Join(',', (otlp.Headers ?? []).Select(h => $"{h.Key}={h.Value}"));
        void Exporter(OtlpExporterOptions options, string signalPath)
        {
            options.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
            // Set in code, the HTTP exporter posts to the endpoint as given: the signal's path is ours to add.
            options.Endpoint = new Uri(grpc ? otlp.Endpoint : otlp.Endpoint.TrimEnd('/') + signalPath);
            options.Headers = headers;
            options.TimeoutMilliseconds = 10_000;
        }

        var builder = services.AddOpenTelemetry().ConfigureResource(r => r
            .AddService("yakd", serviceVersion: DaemonInfo.Version, autoGenerateServiceInstanceId: false)
            .AddAttributes([new("yak.owner", owner ?? Environment.UserName)]));
        if (otlp.Traces)
        {
            builder.WithTracing(t => t
                .AddSource(YakTelemetry.Name)
                .AddOtlpExporter(o =>
                {
                    Exporter(o, "/v1/traces");
                    o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = interval;
                }));
        }

        if (otlp.Metrics)
        {
            builder.WithMetrics(m => m
                .AddMeter(YakTelemetry.Name)
                .AddOtlpExporter((o, reader) =>
                {
                    Exporter(o, "/v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
                }));
        }
    }
}
