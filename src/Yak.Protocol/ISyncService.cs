using StreamJsonRpc;
using Yak.Protocol.Messages;

namespace Yak.Protocol;

/// <summary>The <c>sync/*</c> methods: one-way sync sessions owned by the daemon.</summary>
public interface ISyncService
{
    [JsonRpcMethod(Methods.SyncCreate, UseSingleObjectParameterDeserialization = true)]
    Task<SyncCreateResponse> CreateAsync(SyncCreateRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.SyncList, UseSingleObjectParameterDeserialization = true)]
    Task<SyncListResponse> ListAsync(SyncListRequest? request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.SyncStatus, UseSingleObjectParameterDeserialization = true)]
    Task<SyncStatusResponse> StatusAsync(SyncStatusRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.SyncFlush, UseSingleObjectParameterDeserialization = true)]
    Task<SyncFlushResponse> FlushAsync(SyncFlushRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.SyncPause, UseSingleObjectParameterDeserialization = true)]
    Task<SyncPauseResponse> PauseAsync(SyncPauseRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.SyncResume, UseSingleObjectParameterDeserialization = true)]
    Task<SyncResumeResponse> ResumeAsync(SyncResumeRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.SyncTerminate, UseSingleObjectParameterDeserialization = true)]
    Task<SyncTerminateResponse> TerminateAsync(SyncTerminateRequest request, CancellationToken cancellationToken);
}
