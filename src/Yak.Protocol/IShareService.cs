using StreamJsonRpc;
using Yak.Protocol.Messages;

namespace Yak.Protocol;

/// <summary>Sharing an environment with another user of its cluster, and connecting to one shared with you. Only when the daemon announced <see cref="Capabilities.Sharing"/>.</summary>
public interface IShareService
{
    [JsonRpcMethod(Methods.ShareGrant, UseSingleObjectParameterDeserialization = true)]
    Task<ShareGrantResponse> GrantAsync(ShareGrantRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.ShareRevoke, UseSingleObjectParameterDeserialization = true)]
    Task<ShareRevokeResponse> RevokeAsync(ShareRevokeRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.ShareList, UseSingleObjectParameterDeserialization = true)]
    Task<ShareListResponse> ListAsync(ShareListRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.ShareConnect, UseSingleObjectParameterDeserialization = true)]
    Task<ShareConnectResponse> ConnectAsync(ShareConnectRequest request, CancellationToken cancellationToken);
}
