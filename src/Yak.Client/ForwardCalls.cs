using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Client;

/// <summary>Typed <c>forward/*</c> calls.</summary>
public static class ForwardCalls
{
    public static async Task<ForwardInfo> AddForwardAsync(this DaemonClient client, ForwardAddRequest request, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<ForwardAddResponse>(Methods.ForwardAdd, request, cancellationToken).ConfigureAwait(false)).Forward;

    public static async Task<IReadOnlyList<ForwardInfo>> ListForwardsAsync(this DaemonClient client, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<ForwardListResponse>(Methods.ForwardList, new ForwardListRequest(), cancellationToken).ConfigureAwait(false)).Forwards;

    public static Task<ForwardRemoveResponse> RemoveForwardAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        client.InvokeAsync<ForwardRemoveResponse>(Methods.ForwardRemove, new ForwardRemoveRequest { Name = name }, cancellationToken);

    public static async Task<ForwardInfo> PauseForwardAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<ForwardPauseResponse>(Methods.ForwardPause, new ForwardPauseRequest { Name = name }, cancellationToken).ConfigureAwait(false)).Forward;

    public static async Task<ForwardInfo> ResumeForwardAsync(this DaemonClient client, string name, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<ForwardResumeResponse>(Methods.ForwardResume, new ForwardResumeRequest { Name = name }, cancellationToken).ConfigureAwait(false)).Forward;
}
