using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yak.Daemon.Environments;

namespace Yak.Daemon.Configuration;

internal static class ConfigurationServices
{
    /// <summary>
    /// config.yaml as <see cref="IOptionsMonitor{TOptions}"/> of <see cref="ClusterConfig"/>, read at first use and on
    /// change, validated at start and on every reload; <see cref="DaemonConfiguration"/> is what the rest of yakd asks.
    /// </summary>
    internal static IServiceCollection AddDaemonConfiguration(this IServiceCollection services)
    {
        services.AddOptions();
        services.AddSingleton<ConfigFilePath>();
        services.AddSingleton<ConfigFileWatcher>();
        services.AddSingleton<IOptionsChangeTokenSource<ClusterConfig>>(sp => sp.GetRequiredService<ConfigFileWatcher>());
        services.AddSingleton<IConfigureOptions<ClusterConfig>, ConfigFileOptions>();
        services.AddSingleton<IValidateOptions<ClusterConfig>, ClusterConfigValidation>();
        services.AddSingleton<DaemonConfiguration>();
        services.AddHostedService(sp => sp.GetRequiredService<DaemonConfiguration>());
        return services;
    }
}
