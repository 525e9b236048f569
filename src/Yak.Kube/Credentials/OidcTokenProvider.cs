using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using k8s.Authentication;

namespace Yak.Kube.Credentials;

/// <summary>
/// A kubeconfig user's <c>auth-provider: oidc</c>, as kubectl's client-go reads it: the <c>id-token</c> is the bearer
/// token while it is valid; when it is about to expire it is renewed with the <c>refresh-token</c> at the token endpoint
/// the issuer's discovery document names (OpenID Connect Discovery 1.0 §4, RFC 6749 §6), and the new tokens are written
/// back to the kubeconfig, so kubectl goes on with them too (identity providers that rotate refresh tokens accept each
/// one once).
/// </summary>
public sealed class OidcTokenProvider : ITokenProvider, IDisposable
{
    /// <summary>Renewed this long before it expires, so a request never leaves with a token that dies on the way.</summary>
    public static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    // Discovery documents and token responses are a few KiB; anything near this is not one.
    private const int MaxResponseBytes = 1024 * 1024;

    private readonly OidcSettings settings;
    private readonly HttpClient http;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim renewing = new(1, 1);
    private string idToken;
    private string? refreshToken;
    private DateTimeOffset expiry;

    public OidcTokenProvider(OidcSettings settings, TimeProvider? time = null)
    {
        this.settings = settings;
        this.time = time ?? TimeProvider.System;
        idToken = settings.IdToken;
        refreshToken = settings.RefreshToken;
        expiry = ExpiryOf(idToken);
        http = new HttpClient(Handler(settings)) { Timeout = TimeSpan.FromSeconds(30), MaxResponseContentBufferSize = MaxResponseBytes };
    }

    /// <summary>The id-token now held (the kubeconfig's until the first renewal; empty when it had none).</summary>
    public string IdToken => idToken;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        if (!IsExpiring())
        {
            return new AuthenticationHeaderValue("Bearer", idToken);
        }

        await renewing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another request may have renewed it while this one waited.
            if (IsExpiring())
            {
                await RenewAsync(cancellationToken).ConfigureAwait(false);
            }

            return new AuthenticationHeaderValue("Bearer", idToken);
        }
        finally
        {
            renewing.Release();
        }
    }

    public void Dispose()
    {
        http.Dispose();
        renewing.Dispose();
    }

    /// <summary>The <c>exp</c> claim of a JWT (RFC 7519 §4.1.4); the minimum when it has none or is not a JWT, so it is renewed.</summary>
    internal static DateTimeOffset ExpiryOf(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return DateTimeOffset.MinValue;
        }

        try
        {
            using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));
            return payload.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : DateTimeOffset.MinValue;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentOutOfRangeException)
        {
            return DateTimeOffset.MinValue;
        }
    }

    private bool IsExpiring() => time.GetUtcNow() + ExpiryMargin >= expiry;

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(refreshToken))
        {
            throw new KubeConnectionException(
                $"The OIDC id-token of kubeconfig user '{settings.User}' ({settings.KubeconfigPath}) has expired and the kubeconfig has no " +
                "refresh-token to renew it. Log in to your identity provider again (as you did to get the token), then retry.");
        }

        var endpoint = await TokenEndpointAsync(cancellationToken).ConfigureAwait(false);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = settings.ClientId,
        };
        if (!string.IsNullOrEmpty(settings.ClientSecret))
        {
            form["client_secret"] = settings.ClientSecret;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var document = await SendForJsonAsync(request, "renewing the id-token", cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        if (!root.TryGetProperty("id_token", out var newIdToken) || newIdToken.ValueKind != JsonValueKind.String || newIdToken.GetString() is not { Length: > 0 } renewed)
        {
            throw new KubeConnectionException(
                $"The identity provider at {settings.IssuerUrl} renewed the tokens of kubeconfig user '{settings.User}' without an id_token. " +
                "Ask its administrator to allow the 'openid' scope for client '" + settings.ClientId + "', or log in again.");
        }

        idToken = renewed;
        expiry = ExpiryOf(renewed);
        if (root.TryGetProperty("refresh_token", out var newRefresh) && newRefresh.ValueKind == JsonValueKind.String && newRefresh.GetString() is { Length: > 0 } rotated)
        {
            refreshToken = rotated;
        }

        KubeconfigTokenWriter.TryWrite(settings.KubeconfigPath, settings.User, idToken, refreshToken);
    }

    private async Task<Uri> TokenEndpointAsync(CancellationToken cancellationToken)
    {
        var discovery = new Uri(settings.IssuerUrl.TrimEnd('/') + "/.well-known/openid-configuration");
        using var request = new HttpRequestMessage(HttpMethod.Get, discovery);
        using var document = await SendForJsonAsync(request, "reading its discovery document", cancellationToken).ConfigureAwait(false);
        if (document.RootElement.TryGetProperty("token_endpoint", out var endpoint) && endpoint.ValueKind == JsonValueKind.String
            && Uri.TryCreate(endpoint.GetString(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new KubeConnectionException($"The discovery document of {settings.IssuerUrl} names no token_endpoint; check idp-issuer-url of kubeconfig user '{settings.User}'.");
    }

    private async Task<JsonDocument> SendForJsonAsync(HttpRequestMessage request, string doing, CancellationToken cancellationToken)
    {
        string body;
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new KubeConnectionException(
                $"The identity provider at {settings.IssuerUrl} did not answer {doing} for kubeconfig user '{settings.User}' ({ex.GetBaseException().Message}). Check that it is reachable from here.",
                ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // RFC 6749 §5.2: invalid_grant is a refresh token that is expired, revoked or already used.
                var error = ErrorOf(body);
                throw new KubeConnectionException(
                    $"The identity provider at {settings.IssuerUrl} refused {doing} for kubeconfig user '{settings.User}': {(int)response.StatusCode} {error}. " +
                    "Log in to it again (as you did to get the kubeconfig's tokens), then retry.");
            }

            try
            {
                return JsonDocument.Parse(body);
            }
            catch (JsonException ex)
            {
                throw new KubeConnectionException($"The identity provider at {settings.IssuerUrl} answered {doing} with something that is not JSON.", ex);
            }
        }
    }

    private static string ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var error = root.TryGetProperty("error", out var code) ? code.GetString() : null;
            var description = root.TryGetProperty("error_description", out var text) ? text.GetString() : null;
            return string.Join(": ", new[] { error, description }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } said ? said : "(no error code)";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return "(no error code)";
        }
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        return Convert.FromBase64String(padded);
    }

    // idp-certificate-authority(-data): the identity provider's own CA, trusted for it alone.
    private static HttpMessageHandler Handler(OidcSettings settings)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (settings.CertificateAuthority is { Count: > 0 } authorities)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
            };
        }

        return handler;
    }
}
