using Microsoft.Extensions.Hosting;

namespace Yak.Daemon.Hosting;

/// <summary>
/// The RPC server listens before the session managers start, so a client is answered without waiting for them; every
/// request but <c>daemon/hello</c> then waits here until every hosted service has started (sessions resumed, forwards
/// bound, environments supervised), so nobody sees a list that is still being filled.
/// </summary>
internal sealed class StartupGate
{
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StartupGate(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), started);

    /// <summary>Completes when the host has started every hosted service.</summary>
    public Task Started => started.Task;

    /// <summary>Whether <paramref name="method"/> may run before the host has started: only the handshake, which reads no session.</summary>
    public static bool AnswersBeforeStart(string? method) => method == Yak.Protocol.Methods.DaemonHello;
}
