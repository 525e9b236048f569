using StreamJsonRpc;
using Yak.Protocol.Messages;

namespace Yak.Protocol;

/// <summary>
/// The methods yakd serves. Parameters travel as one named-parameter object (LSP style), so a client in any
/// language sends <c>{"jsonrpc":"2.0","id":1,"method":"daemon/status","params":{}}</c>.
/// </summary>
public interface IDaemonService
{
    [JsonRpcMethod(Methods.DaemonHello, UseSingleObjectParameterDeserialization = true)]
    Task<HelloResponse> HelloAsync(HelloRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.DaemonStatus, UseSingleObjectParameterDeserialization = true)]
    Task<StatusResponse> StatusAsync(StatusRequest? request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.DaemonShutdown, UseSingleObjectParameterDeserialization = true)]
    Task<ShutdownResponse> ShutdownAsync(ShutdownRequest request, CancellationToken cancellationToken);

    /// <summary>Only when the daemon announced <see cref="Capabilities.Version"/>.</summary>
    [JsonRpcMethod(Methods.DaemonVersion, UseSingleObjectParameterDeserialization = true)]
    Task<VersionResponse> VersionAsync(VersionRequest request, CancellationToken cancellationToken);

    /// <summary>Only when the daemon announced <see cref="Capabilities.Doctor"/>. Each cluster is given a few seconds.</summary>
    [JsonRpcMethod(Methods.DaemonDoctor, UseSingleObjectParameterDeserialization = true)]
    Task<DoctorResponse> DoctorAsync(DoctorRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.EventsSubscribe, UseSingleObjectParameterDeserialization = true)]
    Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(Methods.EventsUnsubscribe, UseSingleObjectParameterDeserialization = true)]
    Task<UnsubscribeResponse> UnsubscribeAsync(UnsubscribeRequest request, CancellationToken cancellationToken);
}
