using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yak.Daemon.Environments;
using Yak.Daemon.Logging;

namespace Yak.Daemon.Configuration;

/// <summary>
/// config.yaml for the rest of yakd: validated at start (a broken file is logged and the daemon runs on; whoever
/// needs the config gets the error with file, line and fix) and on every change, read only when it changed.
/// </summary>
internal sealed class DaemonConfiguration(IOptionsMonitor<ClusterConfig> monitor, ConfigFileWatcher watcher, ILogger<DaemonConfiguration> logger) : IHostedService
{
    /// <summary>The current config; throws <see cref="InvalidOperationException"/> (file:line: what and how to fix) while the file is broken.</summary>
    public ClusterConfig Current
    {
        get
        {
            watcher.Refresh();
            try
            {
                return monitor.CurrentValue;
            }
            catch (OptionsValidationException ex)
            {
                // One error type for a broken config, whichever check found it.
                throw new InvalidOperationException(ex.Message, ex);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        watcher.Start();
        try
        {
            _ = monitor.CurrentValue;
        }
        catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException)
        {
            Log.ConfigInvalid(logger, ex.Message);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
