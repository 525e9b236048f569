using Yak.Daemon.Environments;
using Yak.Daemon.Ipc;
using Yak.Daemon.Sharing;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Forwards;

/// <summary>The <c>forward/*</c> methods, one instance per connection.</summary>
internal sealed class ForwardRpcTarget(ClientConnection connection, ForwardManager manager, EnvironmentManager environments, GuestConnector guests) : IForwardService
{
    public async Task<ForwardAddResponse> AddAsync(ForwardAddRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();

        // An explicit --kubeconfig/--context/--namespace wins; the environment of the caller's folder fills the rest.
        var place = request.Environment.Length > 0 ? environments.LocateEnvironment(request.Environment) : null;
        var explicitCluster = request.Kubeconfig.Length > 0 || request.Context.Length > 0;
        if (!explicitCluster && guests.Find(request.Environment) is { } guest)
        {
            // Asked of the cluster first, as a guest's exec is: a refusal says what the share allows and who can grant
            // more (YAK1209), where the forward's first connection would only fail on a 403 (YAK4004).
            using var cluster = EnvironmentPlacement.Connect(guest.Kubeconfig, GuestRecord.Context);
            await guests.RequireAsync(guest, cluster.Client, "portforward", "port-forwarding", cancellationToken);
        }

        var definition = new ForwardDefinition(
            request.Name,
            Environment: string.Empty,
            request.Namespace.Length > 0 ? request.Namespace : place?.Namespace ?? "default",
            request.Target,
            request.LocalPort,
            request.RemotePort,
            explicitCluster || place is null ? request.Kubeconfig : place.Kubeconfig,
            explicitCluster || place is null ? request.Context : place.Context);
        return new ForwardAddResponse { Forward = await manager.AddAsync(definition, cancellationToken) };
    }

    public Task<ForwardListResponse> ListAsync(ForwardListRequest? request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return Task.FromResult(new ForwardListResponse { Forwards = manager.List() });
    }

    public async Task<ForwardRemoveResponse> RemoveAsync(ForwardRemoveRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        await manager.RemoveAsync(request.Name, cancellationToken);
        return new ForwardRemoveResponse { Name = request.Name };
    }

    public async Task<ForwardPauseResponse> PauseAsync(ForwardPauseRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return new ForwardPauseResponse { Forward = await manager.PauseAsync(request.Name, cancellationToken) };
    }

    public async Task<ForwardResumeResponse> ResumeAsync(ForwardResumeRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return new ForwardResumeResponse { Forward = await manager.ResumeAsync(request.Name, cancellationToken) };
    }
}
