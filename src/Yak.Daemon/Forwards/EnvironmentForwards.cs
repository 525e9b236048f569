using Yak.Daemon.Environments;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Forwards;

/// <summary>Environments' declared ports as daemon-owned forwards: one per service port with a local port.</summary>
internal sealed class EnvironmentForwards(ForwardManager manager) : IEnvironmentForwards
{
    public Task StartAsync(string environment, IReadOnlyList<EnvironmentForwardTarget> services, CancellationToken cancellationToken) =>
        manager.ReconcileEnvironmentAsync(environment, Definitions(environment, services).ToList(), cancellationToken);

    public Task StopAsync(string environment, CancellationToken cancellationToken) =>
        manager.ReconcileEnvironmentAsync(environment, [], cancellationToken);

    public ForwardInfo? Forward(string environment, string service, int localPort) =>
        manager.Find(environment, d => d.LocalPort == localPort && d.Name.StartsWith($"{environment}-{service}-", StringComparison.Ordinal));

    public ForwardInfo? OnPort(int localPort) => manager.OnPort(localPort);

    private static IEnumerable<ForwardDefinition> Definitions(string environment, IReadOnlyList<EnvironmentForwardTarget> services) =>
        from service in services
        from port in service.Ports
        where port.LocalPort is > 0
        select new ForwardDefinition(
            $"{environment}-{service.Service}-{port.LocalPort}",
            environment,
            service.Namespace,
            service.Selector,
            port.LocalPort!.Value,
            port.ContainerPort,
            service.Kubeconfig,
            service.Context);
}
