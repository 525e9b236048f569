using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Yak.LocalCluster.Runtime;

public static class PodRuntimeServiceCollectionExtensions
{
    /// <summary>Registers the node: <see cref="ProcessPodRuntime"/> as itself and as <see cref="IPodRuntime"/>.</summary>
    public static IServiceCollection AddPodRuntime(this IServiceCollection services, string stateDirectory) =>
        services.AddPodRuntime(stateDirectory, _ => { });

    /// <summary>As <see cref="AddPodRuntime(IServiceCollection, string)"/>, with options (e.g. a short restart back-off for tests).</summary>
    public static IServiceCollection AddPodRuntime(this IServiceCollection services, string stateDirectory, Action<PodRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new PodRuntimeOptions(stateDirectory);
        configure(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<Networking.ServiceDirectory>();
        services.TryAddSingleton<ProcessPodRuntime>();
        services.TryAddSingleton<IPodRuntime>(sp => sp.GetRequiredService<ProcessPodRuntime>());
        return services;
    }
}
