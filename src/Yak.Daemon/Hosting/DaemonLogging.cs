using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Hosting;

/// <summary>Serilog for yakd: a rolling file (<see cref="RollingLogFile"/>) always; the console in the foreground; journald priorities under systemd.</summary>
internal static class DaemonLogging
{
    private const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static Logger Create(DaemonEndpoint endpoint, bool console) => Create(endpoint, console, out _);

    /// <summary>The logger; <paramref name="opened"/> completes once its file is open (the sinks live on a thread of their own).</summary>
    public static Logger Create(DaemonEndpoint endpoint, bool console, out Task opened)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        var journald = SystemdHelpers.IsSystemdService();
        if (journald)
        {
            configuration = configuration.Enrich.With<SyslogPriorityEnricher>();
        }

        var background = new BackgroundLogSink(() => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(Sinks(endpoint, console, journald)).CreateLogger());
        opened = background.Opened;
        return configuration.WriteTo.Sink(background).CreateLogger();
    }

    // Every sink behind the secret mask: tokens, kubeconfig data and exec arguments never reach a log.
    private static ILogEventSink Sinks(DaemonEndpoint endpoint, bool console, bool journald) =>
        LoggerSinkConfiguration.Wrap(SecretMasking.Wrap, sinks =>
        {
            sinks.Sink(new RollingLogFile(
                endpoint.LogDirectory,
                new MessageTemplateTextFormatter(FileTemplate, CultureInfo.InvariantCulture),
                sizeLimit: 20 * 1024 * 1024,
                retain: 7,
                TimeProvider.System));
            if (journald)
            {
                // journald reads "<N>" prefixes as syslog priorities; timestamps come from the journal itself.
                sinks.Console(outputTemplate: "<{SyslogPriority}>{SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
            else if (console)
            {
                sinks.Console(
                    outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}",
                    standardErrorFromLevel: LogEventLevel.Verbose);
            }
        });

    private sealed class SyslogPriorityEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            var priority = logEvent.Level switch
            {
                LogEventLevel.Fatal => 2,
                LogEventLevel.Error => 3,
                LogEventLevel.Warning => 4,
                LogEventLevel.Information => 6,
                _ => 7,
            };
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("SyslogPriority", priority));
        }
    }
}
