using Microsoft.Extensions.Hosting;

namespace Yak.Daemon.Hosting;

/// <summary>
/// The RPC server listens before the session managers start, so a client's connection (its JsonRpc, the first request
/// read) is made beside their start instead of after it; every request then waits here until every hosted service has
/// started (sessions resumed, forwards bound, environments supervised): an answer still means a started daemon, and
/// nobody sees a list that is still being filled.
/// </summary>
internal sealed class StartupGate
{
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StartupGate(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), started);

    /// <summary>Completes when the host has started every hosted service.</summary>
    public Task Started => started.Task;
}
