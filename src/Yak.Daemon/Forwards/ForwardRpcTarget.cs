using Yak.Daemon.Ipc;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Forwards;

/// <summary>The <c>forward/*</c> methods, one instance per connection.</summary>
internal sealed class ForwardRpcTarget(ClientConnection connection, ForwardManager manager) : IForwardService
{
    public async Task<ForwardAddResponse> AddAsync(ForwardAddRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        var definition = new ForwardDefinition(
            request.Name,
            Environment: string.Empty,
            request.Namespace.Length == 0 ? "default" : request.Namespace,
            request.Target,
            request.LocalPort,
            request.RemotePort,
            request.Kubeconfig,
            request.Context);
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
}
