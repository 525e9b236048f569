using StreamJsonRpc;
using Yak.Protocol.Messages;

namespace Yak.Protocol;

/// <summary>The <c>forward/*</c> methods: port-forwards owned by the daemon.</summary>
public interface IForwardService
{
    [JsonRpcMethod(Methods.ForwardAdd, UseSingleObjectParameterDeserialization = true)]
    Task<ForwardAddResponse> AddAsync(ForwardAddRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.ForwardList, UseSingleObjectParameterDeserialization = true)]
    Task<ForwardListResponse> ListAsync(ForwardListRequest? request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.ForwardRemove, UseSingleObjectParameterDeserialization = true)]
    Task<ForwardRemoveResponse> RemoveAsync(ForwardRemoveRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.ForwardPause, UseSingleObjectParameterDeserialization = true)]
    Task<ForwardPauseResponse> PauseAsync(ForwardPauseRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.ForwardResume, UseSingleObjectParameterDeserialization = true)]
    Task<ForwardResumeResponse> ResumeAsync(ForwardResumeRequest request, CancellationToken cancellationToken);
}
