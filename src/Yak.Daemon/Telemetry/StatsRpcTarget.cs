using Yak.Daemon.Ipc;
using Yak.Daemon.Rpc;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Telemetry;

/// <summary>The <c>stats/*</c> methods, one instance per connection.</summary>
internal sealed class StatsRpcTarget(ClientConnection connection, WaitStore store, TimeProvider time) : IStatsService
{
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    public Task<WaitStatsResponse> WaitsAsync(WaitStatsRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        if (request.SinceSeconds < 0 || request.Slowest < 0)
        {
            throw new InvalidArgumentException("sinceSeconds and slowest must not be negative.");
        }

        var now = time.GetUtcNow();
        var since = now - (request.SinceSeconds > 0 ? TimeSpan.FromSeconds(request.SinceSeconds) : DefaultWindow);
        return Task.FromResult(WaitStatistics.Summarize(store.Read(), since, now, request.Slowest > 0 ? request.Slowest : 10));
    }
}
