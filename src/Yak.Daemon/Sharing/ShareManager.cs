using System.Net;
using k8s.Autorest;
using Yak.Daemon.Configuration;
using Yak.Daemon.Environments;
using Yak.Daemon.Rpc;
using Yak.Environments.Naming;
using Yak.Kube;
using Yak.Kube.Sharing;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Sharing;

/// <summary>
/// The owner's side of sharing: grants, revokes and lists guests' access to an environment's namespace. The cluster
/// holds and enforces every share (see <see cref="ShareGrants"/>): nothing here has to keep running for a share to
/// work or to end.
/// </summary>
internal sealed class ShareManager(DaemonConfiguration configuration, EnvironmentManager environments, TimeProvider time)
{
    public async Task<ShareGrantResponse> GrantAsync(ShareGrantRequest request, CancellationToken cancellationToken)
    {
        var guest = RequireGuest(request.Guest);
        TimeSpan? expires = null;
        if (request.ExpiresSeconds != 0)
        {
            expires = TimeSpan.FromSeconds(request.ExpiresSeconds);
            if (expires < ShareGrants.ShortestExpiry || expires > ShareGrants.LongestExpiry)
            {
                throw new InvalidArgumentException(
                    $"--expires must be between 10m (the shortest token a Kubernetes API server issues) and 365d; got {request.ExpiresSeconds} s.");
            }
        }

        var place = environments.LocateEnvironment(request.Name, request.SpecPath);
        var owner = EnvironmentPlacement.Owner(configuration.Current);
        var level = request.ReadOnly ? ShareLevel.ReadOnly : ShareLevel.Full;
        var grant = await OnClusterAsync(place, client => ShareGrants.GrantAsync(
            client, new ShareRequest(place.Namespace, owner, place.Environment, guest, GuestKey(guest), level, request.Secrets, expires), cancellationToken)).ConfigureAwait(false);
        return new ShareGrantResponse { Share = Info(grant) };
    }

    public async Task<ShareRevokeResponse> RevokeAsync(ShareRevokeRequest request, CancellationToken cancellationToken)
    {
        var guest = RequireGuest(request.Guest);
        var place = environments.LocateEnvironment(request.Name, request.SpecPath);
        var revoked = await OnClusterAsync(place, client => ShareGrants.RevokeAsync(client, place.Namespace, GuestKey(guest), cancellationToken)).ConfigureAwait(false);
        return new ShareRevokeResponse { Environment = place.Environment, Namespace = place.Namespace, Guest = guest, Revoked = revoked };
    }

    public async Task<ShareListResponse> ListAsync(ShareListRequest request, CancellationToken cancellationToken)
    {
        var place = environments.LocateEnvironment(request.Name, request.SpecPath);
        var grants = await OnClusterAsync(place, client => ShareGrants.ListAsync(client, place.Namespace, cancellationToken)).ConfigureAwait(false);
        return new ShareListResponse { Environment = place.Environment, Namespace = place.Namespace, Shares = [.. grants.Select(Info)] };
    }

    /// <summary>The guest's user name as the objects' names carry it (a DNS-1123 label short enough for the suffixes).</summary>
    public static string GuestKey(string guest) => KubeNames.Label(guest, 40);

    public ShareInfo Info(ShareGrant grant) => new()
    {
        Environment = grant.Environment,
        Namespace = grant.Namespace,
        Owner = grant.Owner,
        Guest = grant.Guest,
        Access = ShareAccess.WireName(grant.Level),
        Secrets = grant.Secrets,
        ExpiresAt = grant.ExpiresAt,
        Expired = grant.ExpiresAt is { } end && end <= time.GetUtcNow(),
        ServiceAccount = ShareGrants.AccountName(grant.GuestKey),
    };

    /// <summary>The API server's <c>Status.message</c> of a refusal (else its status line).</summary>
    public static string StatusMessage(HttpOperationException ex)
    {
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(ex.Response.Content ?? string.Empty)?["message"] is System.Text.Json.Nodes.JsonValue message && message.TryGetValue<string>(out var text))
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return KubeErrors.Describe(ex);
    }

    private static string RequireGuest(string guest)
    {
        var trimmed = guest.Trim();
        if (trimmed.Length is 0 or > 253 || trimmed.Any(char.IsControl))
        {
            throw new InvalidArgumentException("Name the guest with --with USER: their user name on the cluster ('kubectl auth whoami' shows it to them).");
        }

        return trimmed;
    }

    private static async Task<T> OnClusterAsync<T>(EnvironmentPlace place, Func<k8s.IKubernetes, Task<T>> action)
    {
        using var connection = EnvironmentPlacement.Connect(place.Kubeconfig, place.Context);
        try
        {
            return await action(connection.Client).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new OperationFailedException(
                $"The cluster refused to share namespace {place.Namespace}: {StatusMessage(ex)}. Sharing needs your user to manage ServiceAccounts, Roles, RoleBindings and Secrets there and to request tokens (create serviceaccounts/token).",
                ex, YakErrors.Forbidden);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.UnprocessableEntity)
        {
            throw new InvalidArgumentException($"The cluster refused the share: {StatusMessage(ex)}", YakErrors.ClusterRefused);
        }
        catch (HttpRequestException ex)
        {
            throw new OperationFailedException(connection.Unreachable(ex).Message, ex, YakErrors.ClusterUnreachable);
        }
    }
}
