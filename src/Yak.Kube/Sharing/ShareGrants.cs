using System.Globalization;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Yak.Kube.Sharing;

/// <summary>A share of a namespace with one guest, as the cluster holds it.</summary>
/// <param name="GuestKey">The guest's user name as a DNS-1123 label (the objects' names are made from it).</param>
/// <param name="ExpiresAt">When the guest's token stops working (the API server's word, from the TokenRequest).</param>
public sealed record ShareGrant(string Namespace, string Guest, string GuestKey, ShareLevel Level, bool Secrets, DateTimeOffset? ExpiresAt, DateTimeOffset? CreatedAt, string Owner, string Environment);

/// <summary>What a guest reads with its own identity: the bound token to act with, and the grant it carries.</summary>
public sealed record GuestCredential(string Token, ShareGrant Grant);

/// <summary>What an owner asks for.</summary>
public sealed record ShareRequest(string Namespace, string Owner, string Environment, string Guest, string GuestKey, ShareLevel Level, bool Secrets, TimeSpan? Expires);

/// <summary>
/// Sharing a namespace the way any Kubernetes cluster enforces it without the owner's machine: per guest a
/// ServiceAccount bound to a least-privilege Role; a bound token from the TokenRequest API (the API server refuses it
/// after its expiry) handed to the guest through a Secret that only the guest's own user may <c>get</c> (a Role with
/// that one resourceName). Sharing again replaces the ServiceAccount, so earlier tokens die; unsharing deletes the
/// ServiceAccount (its tokens with it) and the roles, bindings and Secret. Everything is labelled so it can be listed.
/// </summary>
public static class ShareGrants
{
    public const string ShareLabel = "yak.dev/share";
    public const string GuestKeyLabel = "yak.dev/share-guest";
    public const string GuestAnnotation = "yak.dev/share-guest";
    public const string OwnerAnnotation = "yak.dev/share-owner";
    public const string EnvironmentAnnotation = "yak.dev/share-environment";
    public const string ExpiresAnnotation = "yak.dev/share-expires";
    public const string AccessAnnotation = "yak.dev/share-access";

    /// <summary>Without an expiry a token is asked for this long (a cluster may cap it; the grant says the real end).</summary>
    public static readonly TimeSpan LongestExpiry = TimeSpan.FromDays(365);

    /// <summary>The shortest expiry the TokenRequest API accepts.</summary>
    public static readonly TimeSpan ShortestExpiry = TimeSpan.FromMinutes(10);

    public static string AccountName(string guestKey) => $"yak-guest-{guestKey}";

    public static string TokenSecretName(string guestKey) => $"yak-guest-{guestKey}-token";

    public static async Task<ShareGrant> GrantAsync(IKubernetes client, ShareRequest request, CancellationToken cancellationToken)
    {
        var ns = request.Namespace;
        var account = AccountName(request.GuestKey);
        var secretName = TokenSecretName(request.GuestKey);
        var labels = new Dictionary<string, string> { [ShareLabel] = "true", [GuestKeyLabel] = request.GuestKey, ["app.kubernetes.io/managed-by"] = "yak" };
        var annotations = new Dictionary<string, string>
        {
            [GuestAnnotation] = request.Guest,
            [OwnerAnnotation] = request.Owner,
            [EnvironmentAnnotation] = request.Environment,
            [AccessAnnotation] = ShareAccess.WireName(request.Level) + (request.Secrets ? "+secrets" : string.Empty),
        };

        // A new ServiceAccount each time: tokens of an earlier share (perhaps a longer one) stop working.
        await DeleteIfExistsAsync(() => client.CoreV1.DeleteNamespacedServiceAccountAsync(account, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await client.CoreV1.CreateNamespacedServiceAccountAsync(
            new V1ServiceAccount { Metadata = Meta(account, labels, annotations), AutomountServiceAccountToken = false }, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        await UpsertRoleAsync(client, new V1Role { Metadata = Meta(account, labels, annotations), Rules = ShareAccess.Rules(request.Level, request.Secrets) }, ns, cancellationToken).ConfigureAwait(false);
        await UpsertBindingAsync(client, Binding(account, labels, annotations, account, new Rbacv1Subject { Kind = "ServiceAccount", Name = account, NamespaceProperty = ns }), ns, cancellationToken).ConfigureAwait(false);

        var seconds = (long)(request.Expires ?? LongestExpiry).TotalSeconds;
        var issued = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = seconds, Audiences = [] } }, account, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        var token = issued.Status?.Token ?? throw new InvalidOperationException("the API server issued no token (TokenRequest status.token is empty)");
        var expires = issued.Status.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : (DateTimeOffset?)null;
        var secretAnnotations = new Dictionary<string, string>(annotations);
        if (expires is { } end)
        {
            secretAnnotations[ExpiresAnnotation] = end.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        var secret = new V1Secret
        {
            Metadata = Meta(secretName, labels, secretAnnotations),
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["token"] = Encoding.UTF8.GetBytes(token) },
        };
        await UpsertAsync(
            () => client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken),
            async () =>
            {
                var current = await client.CoreV1.ReadNamespacedSecretAsync(secretName, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                secret.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
                return await client.CoreV1.ReplaceNamespacedSecretAsync(secret, secretName, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);

        // The guest's own user may read that one Secret, nothing else.
        var reader = secretName;
        await UpsertRoleAsync(client, new V1Role
        {
            Metadata = Meta(reader, labels, annotations),
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], ResourceNames = [secretName], Verbs = ["get"] }],
        }, ns, cancellationToken).ConfigureAwait(false);
        await UpsertBindingAsync(client, Binding(reader, labels, annotations, reader, new Rbacv1Subject { Kind = "User", Name = request.Guest, ApiGroup = "rbac.authorization.k8s.io" }), ns, cancellationToken).ConfigureAwait(false);
        return new ShareGrant(ns, request.Guest, request.GuestKey, request.Level, request.Secrets, expires, DateTimeOffset.UtcNow, request.Owner, request.Environment);
    }

    /// <summary>Deletes a guest's ServiceAccount (its tokens stop working at once), roles, bindings and Secret; false when there was no share.</summary>
    public static async Task<bool> RevokeAsync(IKubernetes client, string ns, string guestKey, CancellationToken cancellationToken)
    {
        var account = AccountName(guestKey);
        var secret = TokenSecretName(guestKey);
        var found = await DeleteIfExistsAsync(() => client.CoreV1.DeleteNamespacedServiceAccountAsync(account, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        found |= await DeleteIfExistsAsync(() => client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(account, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        found |= await DeleteIfExistsAsync(() => client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(account, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        found |= await DeleteIfExistsAsync(() => client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(secret, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        found |= await DeleteIfExistsAsync(() => client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(secret, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        found |= await DeleteIfExistsAsync(() => client.CoreV1.DeleteNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return found;
    }

    /// <summary>Every share of <paramref name="ns"/>: its guest, level (from its Role) and end (from its token Secret).</summary>
    public static async Task<IReadOnlyList<ShareGrant>> ListAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        var selector = $"{ShareLabel}=true";
        var accounts = await client.CoreV1.ListNamespacedServiceAccountAsync(ns, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var roles = await client.RbacAuthorizationV1.ListNamespacedRoleAsync(ns, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var secrets = await client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var grants = new List<ShareGrant>();
        foreach (var account in accounts.Items)
        {
            var key = Get(account.Metadata.Labels, GuestKeyLabel) ?? string.Empty;
            var role = roles.Items.FirstOrDefault(r => r.Metadata.Name == AccountName(key));
            var secret = secrets.Items.FirstOrDefault(s => s.Metadata.Name == TokenSecretName(key));
            var (level, withSecrets) = ShareAccess.Of(role?.Rules);
            grants.Add(FromAnnotations(ns, key, level, withSecrets, account.Metadata, secret?.Metadata));
        }

        return [.. grants.OrderBy(g => g.Guest, StringComparer.Ordinal)];
    }

    /// <summary>Reads the guest's token Secret with the guest's own identity (403/404 when there is no share for it).</summary>
    public static async Task<GuestCredential> ReadAsGuestAsync(IKubernetes client, string ns, string guestKey, CancellationToken cancellationToken)
    {
        var secret = await client.CoreV1.ReadNamespacedSecretAsync(TokenSecretName(guestKey), ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        var token = Get(secret.Data, "token") is { } bytes ? Encoding.UTF8.GetString(bytes) : throw new InvalidOperationException($"the share Secret {ns}/{secret.Metadata.Name} holds no token");
        var access = Get(secret.Metadata.Annotations, AccessAnnotation) ?? string.Empty;
        var (level, withSecrets) = (access.StartsWith("full", StringComparison.Ordinal) ? ShareLevel.Full : ShareLevel.ReadOnly, access.EndsWith("+secrets", StringComparison.Ordinal));
        return new GuestCredential(token, FromAnnotations(ns, guestKey, level, withSecrets, secret.Metadata, secret.Metadata));
    }

    private static ShareGrant FromAnnotations(string ns, string key, ShareLevel level, bool secrets, V1ObjectMeta account, V1ObjectMeta? secret)
    {
        var annotations = account.Annotations ?? new Dictionary<string, string>();
        DateTimeOffset? expires = Get(secret?.Annotations, ExpiresAnnotation) is { } text &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        var created = account.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : (DateTimeOffset?)null;
        return new ShareGrant(ns, Get(annotations, GuestAnnotation) ?? key, key, level, secrets, expires, created,
            Get(annotations, OwnerAnnotation) ?? string.Empty, Get(annotations, EnvironmentAnnotation) ?? string.Empty);
    }

    private static T? Get<T>(IDictionary<string, T>? map, string key) where T : class => map is not null && map.TryGetValue(key, out var value) ? value : null;

    private static V1ObjectMeta Meta(string name, Dictionary<string, string> labels, Dictionary<string, string> annotations) =>
        new() { Name = name, Labels = new Dictionary<string, string>(labels), Annotations = new Dictionary<string, string>(annotations) };

    private static V1RoleBinding Binding(string name, Dictionary<string, string> labels, Dictionary<string, string> annotations, string role, Rbacv1Subject subject) => new()
    {
        Metadata = Meta(name, labels, annotations),
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = role },
        Subjects = [subject],
    };

    private static Task UpsertRoleAsync(IKubernetes client, V1Role role, string ns, CancellationToken cancellationToken) => UpsertAsync(
        () => client.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, ns, cancellationToken: cancellationToken),
        async () =>
        {
            var current = await client.RbacAuthorizationV1.ReadNamespacedRoleAsync(role.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            role.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            return await client.RbacAuthorizationV1.ReplaceNamespacedRoleAsync(role, role.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        });

    private static Task UpsertBindingAsync(IKubernetes client, V1RoleBinding binding, string ns, CancellationToken cancellationToken) => UpsertAsync(
        () => client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, ns, cancellationToken: cancellationToken),
        async () =>
        {
            // roleRef is immutable: a binding is replaced by deleting it first.
            await DeleteIfExistsAsync(() => client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(binding.Metadata.Name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return await client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        });

    private static async Task UpsertAsync<T>(Func<Task<T>> create, Func<Task<T>> replace)
    {
        try
        {
            await create().ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            await replace().ConfigureAwait(false);
        }
    }

    private static async Task<bool> DeleteIfExistsAsync<T>(Func<Task<T>> delete)
    {
        try
        {
            await delete().ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
