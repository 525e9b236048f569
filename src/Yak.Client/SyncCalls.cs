using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Client;

/// <summary>Typed <c>sync/*</c> calls.</summary>
public static class SyncCalls
{
    public static Task<SyncSessionInfo> CreateSyncAsync(this DaemonClient client, string name, string localPath, string endpoint, IReadOnlyList<string> excludes, CancellationToken cancellationToken) =>
        client.CreateSyncAsync(new SyncCreateRequest { Name = name, LocalPath = localPath, Endpoint = endpoint, Excludes = excludes, Kubeconfig = string.Empty, Context = string.Empty }, cancellationToken);

    public static async Task<SyncSessionInfo> CreateSyncAsync(this DaemonClient client, SyncCreateRequest request, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<SyncCreateResponse>(Methods.SyncCreate, request, cancellationToken).ConfigureAwait(false)).Session;

    public static async Task<IReadOnlyList<SyncSessionInfo>> ListSyncAsync(this DaemonClient client, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<SyncListResponse>(Methods.SyncList, new SyncListRequest(), cancellationToken).ConfigureAwait(false)).Sessions;

    public static async Task<IReadOnlyList<SyncSessionInfo>> SyncStatusAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<SyncStatusResponse>(Methods.SyncStatus, new SyncStatusRequest { Name = name }, cancellationToken).ConfigureAwait(false)).Sessions;

    public static async Task<IReadOnlyList<SyncSessionInfo>> FlushSyncAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<SyncFlushResponse>(Methods.SyncFlush, new SyncFlushRequest { Name = name }, cancellationToken).ConfigureAwait(false)).Sessions;

    public static async Task<IReadOnlyList<SyncSessionInfo>> PauseSyncAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<SyncPauseResponse>(Methods.SyncPause, new SyncPauseRequest { Name = name }, cancellationToken).ConfigureAwait(false)).Sessions;

    public static async Task<IReadOnlyList<SyncSessionInfo>> ResumeSyncAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<SyncResumeResponse>(Methods.SyncResume, new SyncResumeRequest { Name = name }, cancellationToken).ConfigureAwait(false)).Sessions;

    public static Task<SyncTerminateResponse> TerminateSyncAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        client.InvokeAsync<SyncTerminateResponse>(Methods.SyncTerminate, new SyncTerminateRequest { Name = name }, cancellationToken);
}
