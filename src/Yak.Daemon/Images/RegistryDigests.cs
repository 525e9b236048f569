using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Yak.Daemon.Images;

/// <summary>
/// Resolves an image tag to the digest its registry serves now, over the OCI distribution API: <c>HEAD
/// /v2/NAME/manifests/TAG</c> accepting the OCI index and manifest and the Docker manifest list and v2 manifest, read
/// from <c>Docker-Content-Digest</c>. A <c>401</c> challenge is answered as container runtimes do: Bearer (a token
/// from the challenge's realm, with the login if there is one) or Basic. Loopback registries speak plain HTTP.
/// </summary>
internal sealed class RegistryDigests : IDisposable
{
    /// <summary>A manifest or token larger than this is not one (bounds what a registry can make yakd read).</summary>
    private const int MaxBody = 4 * 1024 * 1024;

    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly HttpClient http;

    public RegistryDigests(TimeSpan timeout)
    {
        http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxResponseHeadersLength = 64 })
        {
            Timeout = timeout,
            MaxResponseContentBufferSize = MaxBody,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("yakd", "1"));
    }

    /// <summary>The digest <paramref name="image"/>'s tag names now (a digest in the reference is its own answer).</summary>
    public async Task<string> ResolveAsync(ImageName image, RegistryLogin? login, CancellationToken cancellationToken)
    {
        if (image.Digest is not null)
        {
            return image.Digest;
        }

        var url = new Uri($"{(image.IsLoopback ? "http" : "https")}://{image.ApiHost}/v2/{image.Repository}/manifests/{Uri.EscapeDataString(image.TagOrLatest)}");
        try
        {
            using var first = await SendAsync(url, authorization: null, cancellationToken).ConfigureAwait(false);
            if (first.StatusCode != HttpStatusCode.Unauthorized)
            {
                return await DigestAsync(image, url, first, authorization: null, cancellationToken).ConfigureAwait(false);
            }

            var authorization = await AuthorizeAsync(image, first.Headers.WwwAuthenticate, login, cancellationToken).ConfigureAwait(false);
            using var second = await SendAsync(url, authorization, cancellationToken).ConfigureAwait(false);
            return await DigestAsync(image, url, second, authorization, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ImageResolveException(ResolveFailure.Unreachable, $"{image.Registry} did not answer: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImageResolveException(ResolveFailure.Unreachable, $"{image.Registry} did not answer within {http.Timeout.TotalSeconds:0} s", ex);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Head, url);
        foreach (var type in ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> DigestAsync(ImageName image, Uri url, HttpResponseMessage response, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                throw new ImageResolveException(ResolveFailure.NotFound, $"{image.Registry} has no {image.Repository}:{image.TagOrLatest}");
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new ImageResolveException(ResolveFailure.Denied, $"{image.Registry} refused to show {image.Repository}:{image.TagOrLatest} to {(authorization is null ? "an anonymous client" : "yakd's login")} ({(int)response.StatusCode})");
            case var status when !response.IsSuccessStatusCode:
                throw new ImageResolveException(ResolveFailure.Unreachable, $"{image.Registry} answered {(int)status} {response.ReasonPhrase}");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } header && ImageName.IsDigest(header.Trim()))
        {
            return header.Trim();
        }

        // Not every registry sends the header on HEAD: the digest is the sha256 of the manifest's bytes.
        using var get = await SendAsync(url, authorization, cancellationToken, HttpMethod.Get).ConfigureAwait(false);
        if (!get.IsSuccessStatusCode)
        {
            throw new ImageResolveException(ResolveFailure.Unreachable, $"{image.Registry} answered {(int)get.StatusCode} to GET {url.AbsolutePath}");
        }

        var body = await ReadBoundedAsync(get, cancellationToken).ConfigureAwait(false);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
    }

    /// <summary>The Authorization that answers the registry's challenge (Bearer token or Basic login).</summary>
    private async Task<AuthenticationHeaderValue> AuthorizeAsync(ImageName image, HttpHeaderValueCollection<AuthenticationHeaderValue> challenges, RegistryLogin? login, CancellationToken cancellationToken)
    {
        var bearer = challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
        if (bearer is null)
        {
            return challenges.Any(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)) && login is not null
                ? new AuthenticationHeaderValue("Basic", Basic(login))
                : throw new ImageResolveException(ResolveFailure.Denied, $"{image.Registry} wants a login yakd does not have (no pull secret for it in the namespace)");
        }

        var parameters = ChallengeParameters(bearer.Parameter ?? string.Empty);
        if (!parameters.TryGetValue("realm", out var realmText) || !Uri.TryCreate(realmText, UriKind.Absolute, out var realm)
            || !(realm.Scheme == Uri.UriSchemeHttps || (realm.Scheme == Uri.UriSchemeHttp && ImageName.IsLoopbackHost(realm.Authority))))
        {
            // A login goes over TLS only (or stays on this machine).
            throw new ImageResolveException(ResolveFailure.Denied, $"{image.Registry}'s token service '{realmText}' is not an https URL");
        }

        var query = new StringBuilder();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Append("service=").Append(Uri.EscapeDataString(service));
        }

        query.Append(query.Length > 0 ? "&" : string.Empty).Append("scope=").Append(Uri.EscapeDataString(parameters.GetValueOrDefault("scope") ?? $"repository:{image.Repository}:pull"));
        var tokenUrl = new UriBuilder(realm) { Query = (realm.Query.Length > 1 ? realm.Query[1..] + "&" : string.Empty) + query }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
        if (login is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Basic(login));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ImageResolveException(ResolveFailure.Denied, $"{image.Registry}'s token service refused {(login is null ? "an anonymous client" : $"the login of {login.Username}")} ({(int)response.StatusCode})");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ImageResolveException(ResolveFailure.Unreachable, $"{image.Registry}'s token service answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            using var json = JsonDocument.Parse(body);
            var token = json.RootElement.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : json.RootElement.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()
                : null;
            return token is { Length: > 0 }
                ? new AuthenticationHeaderValue("Bearer", token)
                : throw new ImageResolveException(ResolveFailure.Denied, $"{image.Registry}'s token service gave no token");
        }
        catch (JsonException ex)
        {
            throw new ImageResolveException(ResolveFailure.Unreachable, $"{image.Registry}'s token service did not answer JSON", ex);
        }
    }

    /// <summary>The <c>key="value"</c> pairs of a challenge (values may hold commas inside their quotes).</summary>
    internal static Dictionary<string, string> ChallengeParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length && result.Count < 16)
        {
            while (i < text.Length && (text[i] == ',' || text[i] == ' '))
            {
                i++;
            }

            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = text[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                end = end < 0 ? text.Length : end;
                value = text[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = text.IndexOf(',', i);
                end = end < 0 ? text.Length : end;
                value = text[i..end].Trim();
                i = end;
            }

            result[key] = value;
        }

        return result;
    }

    private static string Basic(RegistryLogin login) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.Username}:{login.Password}"));

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxBody)
        {
            throw new ImageResolveException(ResolveFailure.Unreachable, $"the registry's answer is over {MaxBody / 1024 / 1024} MiB");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBody)
            {
                throw new ImageResolveException(ResolveFailure.Unreachable, $"the registry's answer is over {MaxBody / 1024 / 1024} MiB");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public void Dispose() => http.Dispose();
}
