using Yak.Environments.Manifests;
using Yak.Protocol.Messages;

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
    /// <summary>Makes the environment's forwards exactly these (idempotent; one that could not listen is tried again).</summary>
    Task StartAsync(string environment, IReadOnlyList<EnvironmentForwardTarget> services, CancellationToken cancellationToken);

    /// <summary>Stops every forward of the environment (down, purge).</summary>
    Task StopAsync(string environment, CancellationToken cancellationToken);

    /// <summary>The forward of a service's local port, or null while none exists ("pending").</summary>
    ForwardInfo? Forward(string environment, string service, int localPort);

    /// <summary>The forward that holds <paramref name="localPort"/> (its name and environment), or null.</summary>
    ForwardInfo? OnPort(int localPort);
}

internal sealed class NoEnvironmentForwards : IEnvironmentForwards
{
    public Task StartAsync(string environment, IReadOnlyList<EnvironmentForwardTarget> services, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(string environment, CancellationToken cancellationToken) => Task.CompletedTask;

    public ForwardInfo? Forward(string environment, string service, int localPort) => null;

    public ForwardInfo? OnPort(int localPort) => null;
}
