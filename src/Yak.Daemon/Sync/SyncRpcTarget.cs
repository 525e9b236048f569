using Yak.Daemon.Ipc;
using Yak.Daemon.Rpc;
using Yak.Daemon.Telemetry;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Sync;

/// <summary>The <c>sync/*</c> methods, one instance per connection, over the daemon's session manager.</summary>
internal sealed class SyncRpcTarget(ClientConnection connection, SyncSessionManager manager) : ISyncService
{
    public async Task<SyncCreateResponse> CreateAsync(SyncCreateRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        if (!SyncEndpoint.TryParse(request.Endpoint, out var endpoint, out var error))
        {
            throw new InvalidArgumentException(error);
        }

        var spec = new SyncSessionSpec(request.Name, request.LocalPath, endpoint, request.Excludes, request.Kubeconfig, request.Context);
        return new SyncCreateResponse { Session = await manager.CreateAsync(spec, cancellationToken) };
    }

    public Task<SyncListResponse> ListAsync(SyncListRequest? request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return Task.FromResult(new SyncListResponse { Sessions = manager.Status(string.Empty) });
    }

    public Task<SyncStatusResponse> StatusAsync(SyncStatusRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return Task.FromResult(new SyncStatusResponse { Sessions = manager.Status(request.Name) });
    }

    public async Task<SyncFlushResponse> FlushAsync(SyncFlushRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        using var wait = YakTelemetry.StartWait(WaitKinds.SyncFlush, request.Name, "yak.sync.flush");
        try
        {
            var sessions = await manager.FlushAsync(request.Name, cancellationToken);
            wait.End(sessions.Any(s => s.LastError is not null) ? "error" : "ok");
            return new SyncFlushResponse { Sessions = sessions };
        }
        catch (OperationCanceledException)
        {
            wait.End("cancelled");
            throw;
        }
        catch (Exception)
        {
            wait.End("error");
            throw;
        }
    }

    public async Task<SyncPauseResponse> PauseAsync(SyncPauseRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return new SyncPauseResponse { Sessions = await manager.SetPausedAsync(request.Name, paused: true, cancellationToken) };
    }

    public async Task<SyncResumeResponse> ResumeAsync(SyncResumeRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        return new SyncResumeResponse { Sessions = await manager.SetPausedAsync(request.Name, paused: false, cancellationToken) };
    }

    public async Task<SyncTerminateResponse> TerminateAsync(SyncTerminateRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        await manager.TerminateAsync(request.Name, cancellationToken);
        return new SyncTerminateResponse { Name = request.Name };
    }
}
