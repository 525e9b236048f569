using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yak.Daemon.Events;
using Yak.Daemon.Hosting;
using Yak.Daemon.Logging;
using Yak.Daemon.Rpc;
using Yak.Daemon.Sync;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Ipc;

/// <summary>
/// Accepts clients and gives each its own JsonRpc. The listener is opened in StartAsync — the first hosted service, so
/// a client's connection is made while the sessions resume (its requests wait at <see cref="StartupGate"/>) and before the host
/// reports ready (systemd READY=1), so a client that sees the daemon started can always connect.
/// </summary>
internal sealed class RpcServer(
    Func<IConnectionListener> listenerFactory,
    ConnectionRegistry connections,
    EventHub hub,
    StartupGate gate,
    DaemonInfo info,
    IServiceProvider services,
    ILogger<RpcServer> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private IConnectionListener? listener;
    private Task acceptLoop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        listener = listenerFactory();
        connections.Address = listener.Address;
        connections.ListenMode = listener.Mode;
        StartupTrace.Mark("listening");
        Log.DaemonStarted(logger, DaemonInfo.Version, info.Pid, listener.Address, listener.Mode, info.Endpoint.StateDirectory);
        // On the thread pool: a client already waiting is served beside the rest of the start, not inside it.
        var accepting = listener;
        acceptLoop = Task.Run(() => AcceptLoopAsync(accepting, stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Log.DaemonStopping(logger, "host stopping");
        await stopping.CancelAsync().ConfigureAwait(false);
        if (listener is not null)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await acceptLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        // Bounded by the host's shutdown timeout: a connection that does not close (a call still running) must not
        // keep the daemon from stopping.
        var closing = connections.Snapshot().Select(c => c.DisposeAsync().AsTask()).ToList();
        try
        {
            await Task.WhenAll(closing).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.ConnectionsNotClosed(logger, closing.Count(t => !t.IsCompleted));
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Dispose();
        if (listener is not null)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task AcceptLoopAsync(IConnectionListener source, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            AcceptedConnection accepted;
            try
            {
                accepted = await source.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
            {
                Log.AcceptFailed(logger, ex);
                continue;
            }

            Serve(accepted);
        }
    }

    private void Serve(AcceptedConnection accepted)
    {
        var id = connections.NextId();
        if (id == 1)
        {
            StartupTrace.Mark("first client accepted");
        }

        var connection = new ClientConnection(
            id,
            accepted,
            (rpc, c) =>
            {
                var options = new StreamJsonRpc.JsonRpcTargetOptions { DisposeOnDisconnect = false };
                rpc.AddLocalRpcTarget<IDaemonService>(ActivatorUtilities.CreateInstance<DaemonRpcTarget>(services, c), options);
                rpc.AddLocalRpcTarget<ISyncService>(ActivatorUtilities.CreateInstance<SyncRpcTarget>(services, c), options);
                rpc.AddLocalRpcTarget<IForwardService>(ActivatorUtilities.CreateInstance<Yak.Daemon.Forwards.ForwardRpcTarget>(services, c), options);
                rpc.AddLocalRpcTarget<IEnvironmentService>(ActivatorUtilities.CreateInstance<Yak.Daemon.Environments.EnvironmentRpcTarget>(services, c), options);
                rpc.AddLocalRpcTarget<IStreamService>(ActivatorUtilities.CreateInstance<Yak.Daemon.Streams.StreamRpcTarget>(services, c), options);
                rpc.AddLocalRpcTarget<IStatsService>(ActivatorUtilities.CreateInstance<Yak.Daemon.Telemetry.StatsRpcTarget>(services, c), options);
                rpc.AddLocalRpcTarget<IShareService>(ActivatorUtilities.CreateInstance<Yak.Daemon.Sharing.ShareRpcTarget>(services, c), options);
            },
            hub,
            gate.Started,
            logger);
        connections.Add(connection);
        Log.ClientConnected(logger, id, accepted.PeerUid);
        connection.Start();
        hub.Publish(EventKinds.ClientConnected, string.Empty, new DaemonClientInfo { ConnectionId = id, Clients = connections.Count });
        _ = connection.Completion.ContinueWith(
            _ =>
            {
                connections.Remove(connection);
                hub.Publish(EventKinds.ClientDisconnected, string.Empty, new DaemonClientInfo { ConnectionId = id, Clients = connections.Count });
                return connection.DisposeAsync().AsTask();
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default).Unwrap();
    }
}
