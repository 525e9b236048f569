using Yak.Daemon.Ipc;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Sharing;

/// <summary>The <c>share/*</c> methods, one instance per connection.</summary>
internal sealed class ShareRpcTarget(ClientConnection connection, ShareManager shares, GuestConnector guests) : IShareService
{
    public Task<ShareGrantResponse> GrantAsync(ShareGrantRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return shares.GrantAsync(request, cancellationToken);
    }

    public Task<ShareRevokeResponse> RevokeAsync(ShareRevokeRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return shares.RevokeAsync(request, cancellationToken);
    }

    public Task<ShareListResponse> ListAsync(ShareListRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return shares.ListAsync(request, cancellationToken);
    }

    public Task<ShareConnectResponse> ConnectAsync(ShareConnectRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return guests.ConnectAsync(request, cancellationToken);
    }
}
