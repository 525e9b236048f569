using Microsoft.Extensions.Hosting;

namespace Yak.Daemon.Hosting;

/// <summary>
/// The RPC server listens before the session managers start, so a client's connection (its JsonRpc, the first request
/// read) is made beside their start instead of after it; every request then waits here until every hosted service has
/// started (sessions resumed, forwards bound, environments listed): an answer still means a started daemon, and nobody
/// sees a list that is still being filled. Environments resume (specs, cluster clients, supervisors) after that, on the
/// thread pool; the environment calls wait for it themselves (EnvironmentManager). The log file is open by then too (its sinks are built on a thread of
/// their own, <see cref="BackgroundLogSink"/>), so the log path an answer names exists.
/// </summary>
internal sealed class StartupGate
{
    private readonly TaskCompletionSource hostStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StartupGate(IHostApplicationLifetime lifetime, Task logOpened)
    {
        lifetime.ApplicationStarted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), hostStarted);
        Started = Task.WhenAll(hostStarted.Task, logOpened);
    }

    /// <summary>Completes when the host has started every hosted service and the log file is open.</summary>
    public Task Started { get; }
}
