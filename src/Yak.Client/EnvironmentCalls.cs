using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Client;

/// <summary>Typed <c>env/*</c> calls.</summary>
public static class EnvironmentCalls
{
    public static Task<EnvUpResponse> UpAsync(this DaemonClient client, EnvUpRequest request, CancellationToken cancellationToken) =>
        client.InvokeAsync<EnvUpResponse>(Methods.EnvUp, request, cancellationToken);

    public static Task<EnvUpdateResponse> UpdateAsync(this DaemonClient client, EnvUpdateRequest request, CancellationToken cancellationToken) =>
        client.InvokeAsync<EnvUpdateResponse>(Methods.EnvUpdate, request, cancellationToken);

    public static Task<EnvDownResponse> DownAsync(this DaemonClient client, EnvDownRequest request, CancellationToken cancellationToken) =>
        client.InvokeAsync<EnvDownResponse>(Methods.EnvDown, request, cancellationToken);

    /// <summary>One environment by name or spec path, or every environment when both are empty.</summary>
    public static async Task<IReadOnlyList<EnvironmentInfo>> EnvironmentStatusAsync(this DaemonClient client, string name, string specPath, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = name, SpecPath = specPath }, cancellationToken).ConfigureAwait(false)).Environments;

    public static async Task<IReadOnlyList<EnvironmentInfo>> ListEnvironmentsAsync(this DaemonClient client, CancellationToken cancellationToken) =>
        (await client.InvokeAsync<EnvListResponse>(Methods.EnvList, new EnvListRequest(), cancellationToken).ConfigureAwait(false)).Environments;
}
