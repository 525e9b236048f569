using Yak.Daemon.Ipc;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>The <c>env/*</c> methods, one instance per connection, over the daemon's environment manager.</summary>
internal sealed class EnvironmentRpcTarget(ClientConnection connection, EnvironmentManager manager, Sharing.GuestConnector guests) : IEnvironmentService
{
    public Task<EnvUpResponse> UpAsync(EnvUpRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return manager.UpAsync(request, cancellationToken);
    }

    public Task<EnvDownResponse> DownAsync(EnvDownRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return manager.DownAsync(request, cancellationToken);
    }

    public async Task<EnvStatusResponse> StatusAsync(EnvStatusRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        if (guests.Find(request.Name) is { } guest)
        {
            return new EnvStatusResponse { Environments = [await guests.StatusAsync(guest, cancellationToken)] };
        }

        var own = await manager.StatusAsync(request.Name, request.SpecPath, cancellationToken);
        return new EnvStatusResponse
        {
            // Plain status: the environments shared with this user too, after the own ones.
            Environments = request.Name.Length == 0 && request.SpecPath.Length == 0 ? [.. own, .. await guests.StatusAllAsync(cancellationToken)] : own,
        };
    }

    public Task<EnvUpdateResponse> UpdateAsync(EnvUpdateRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return manager.UpdateAsync(request, cancellationToken);
    }

    public Task<EnvDebugResponse> DebugAsync(EnvDebugRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return manager.DebugAsync(request, cancellationToken);
    }

    public Task<EnvMoveResponse> MoveAsync(EnvMoveRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return manager.MoveAsync(request, cancellationToken);
    }

    public async Task<EnvListResponse> ListAsync(EnvListRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return new EnvListResponse { Environments = await manager.StatusAsync(string.Empty, string.Empty, cancellationToken) };
    }
}
