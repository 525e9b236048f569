using StreamJsonRpc;
using Yak.Protocol.Messages;

namespace Yak.Protocol;

/// <summary>What yakd measured: how long the developer waited, per kind. Only when the daemon announced <see cref="Capabilities.Stats"/>.</summary>
public interface IStatsService
{
    [JsonRpcMethod(Methods.StatsWaits, UseSingleObjectParameterDeserialization = true)]
    Task<WaitStatsResponse> WaitsAsync(WaitStatsRequest request, CancellationToken cancellationToken);
}
