using Yak.Environments.Manifests;

namespace Yak.Daemon.Environments;

/// <summary>A service's declared ports, and where its pods are, for the forwards of an environment.</summary>
internal sealed record EnvironmentForwardTarget(
    string Environment,
    string Service,
    string Namespace,
    string Selector,
    string Kubeconfig,
    string Context,
    IReadOnlyList<PortTarget> Ports);

/// <summary>
/// The hook through which environments start and stop their port forwards. The default does nothing (every declared
/// port shows as "pending"); the forwarding feature registers the real one (TryAdd keeps the first registration).
/// </summary>
internal interface IEnvironmentForwards
{
    /// <summary>Starts (or keeps) the forwards of every service with a local port; called after each successful up/update.</summary>
    Task StartAsync(string environment, IReadOnlyList<EnvironmentForwardTarget> services, CancellationToken cancellationToken);

    /// <summary>Stops every forward of the environment (down, purge).</summary>
    Task StopAsync(string environment, CancellationToken cancellationToken);

    /// <summary>State of the forward of a local port (e.g. <c>listening</c>), or null while none exists ("pending").</summary>
    string? State(string environment, string service, int localPort);
}

internal sealed class NoEnvironmentForwards : IEnvironmentForwards
{
    public Task StartAsync(string environment, IReadOnlyList<EnvironmentForwardTarget> services, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(string environment, CancellationToken cancellationToken) => Task.CompletedTask;

    public string? State(string environment, string service, int localPort) => null;
}
