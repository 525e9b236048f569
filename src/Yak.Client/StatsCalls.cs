using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Client;

/// <summary>Typed <c>stats/*</c> calls.</summary>
public static class StatsCalls
{
    public static Task<WaitStatsResponse> WaitStatsAsync(this DaemonClient client, WaitStatsRequest request, CancellationToken cancellationToken) =>
        client.InvokeAsync<WaitStatsResponse>(Methods.StatsWaits, request, cancellationToken);
}
