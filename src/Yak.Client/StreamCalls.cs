using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Client;

/// <summary>Typed <c>exec/start</c>, <c>attach/start</c>, <c>logs/start</c> calls; claim the token with <see cref="DaemonStream.OpenAsync"/>.</summary>
public static class StreamCalls
{
    public static Task<ExecStartResponse> StartExecAsync(this DaemonClient client, ExecStartRequest request, CancellationToken cancellationToken) =>
        client.InvokeAsync<ExecStartResponse>(Methods.ExecStart, request, cancellationToken);

    public static Task<AttachStartResponse> StartAttachAsync(this DaemonClient client, AttachStartRequest request, CancellationToken cancellationToken) =>
        client.InvokeAsync<AttachStartResponse>(Methods.AttachStart, request, cancellationToken);

    public static Task<LogsStartResponse> StartLogsAsync(this DaemonClient client, LogsStartRequest request, CancellationToken cancellationToken) =>
        client.InvokeAsync<LogsStartResponse>(Methods.LogsStart, request, cancellationToken);
}
