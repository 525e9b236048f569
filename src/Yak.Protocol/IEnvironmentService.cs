using StreamJsonRpc;
using Yak.Protocol.Messages;

namespace Yak.Protocol;

/// <summary>
/// The <c>env/*</c> methods: environments (a spec deployed into a per-developer namespace, with sync sessions).
/// Progress of <c>env/up</c> and <c>env/update</c> is published as <c>environment</c> events (subject = the
/// environment's name); subscribe before calling.
/// </summary>
public interface IEnvironmentService
{
    [JsonRpcMethod(Methods.EnvUp, UseSingleObjectParameterDeserialization = true)]
    Task<EnvUpResponse> UpAsync(EnvUpRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.EnvDown, UseSingleObjectParameterDeserialization = true)]
    Task<EnvDownResponse> DownAsync(EnvDownRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.EnvStatus, UseSingleObjectParameterDeserialization = true)]
    Task<EnvStatusResponse> StatusAsync(EnvStatusRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.EnvUpdate, UseSingleObjectParameterDeserialization = true)]
    Task<EnvUpdateResponse> UpdateAsync(EnvUpdateRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.EnvList, UseSingleObjectParameterDeserialization = true)]
    Task<EnvListResponse> ListAsync(EnvListRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.EnvDebug, UseSingleObjectParameterDeserialization = true)]
    Task<EnvDebugResponse> DebugAsync(EnvDebugRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Moves an environment to another configured cluster; each step is published as an <c>environment</c> moving event,
    /// then the up's own progress.
    /// </summary>
    [JsonRpcMethod(Methods.EnvMove, UseSingleObjectParameterDeserialization = true)]
    Task<EnvMoveResponse> MoveAsync(EnvMoveRequest request, CancellationToken cancellationToken);
}
