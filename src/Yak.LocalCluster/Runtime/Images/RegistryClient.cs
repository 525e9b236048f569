using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>A registry login (from an <c>imagePullSecrets</c> docker config, or the node's configuration).</summary>
public sealed record RegistryCredentials(string Username, string Password);

/// <summary>Why a pull failed, worded for a container's waiting message and the <c>Failed</c> event.</summary>
public sealed class ImagePullException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The client half of the OCI distribution API for pulls: <c>GET /v2/NAME/manifests/REF</c> with every manifest media
/// type in <c>Accept</c>, <c>GET /v2/NAME/blobs/DIGEST</c>; each body is checked against its digest (and size) before
/// it is used. A <c>401</c> with a <c>Bearer</c> challenge fetches a token from the realm (with the login, if any)
/// and retries once; a <c>Basic</c> challenge retries with the login. Plain HTTP only for loopback registries and
/// those configured insecure; everything else is HTTPS with the system's trust.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    /// <summary>Manifests and configs are small JSON; a bigger one is an attack or a mistake.</summary>
    public const long MaxManifestBytes = 4 * 1024 * 1024;

    public const long MaxConfigBytes = 8 * 1024 * 1024;

    public static readonly string[] ManifestMediaTypes =
    [
        OciIndex, OciManifest, DockerManifestList, DockerManifest,
    ];

    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    private readonly HttpClient http;
    private readonly IReadOnlySet<string> insecureRegistries;
    private readonly Dictionary<string, AuthenticationHeaderValue> authorizations = new(StringComparer.Ordinal);

    public RegistryClient(IReadOnlySet<string> insecureRegistries, TimeSpan timeout)
    {
        this.insecureRegistries = insecureRegistries;
        http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
            // Blob downloads are often redirected to storage; the Authorization header is not forwarded there.
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
        })
        { Timeout = timeout };
    }

    /// <summary>A fetched manifest: its bytes (digest-verified), media type and digest.</summary>
    public sealed record Manifest(string Digest, string MediaType, JsonObject Body, long Size);

    /// <summary>Fetches a manifest or index by tag or digest.</summary>
    public async Task<Manifest> GetManifestAsync(ImageReference image, string reference, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(image, $"manifests/{reference}", ManifestMediaTypes, login, cancellationToken).ConfigureAwait(false);
        var bytes = await ReadBoundedAsync(response, MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        var digest = Digest(bytes);
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && reference != digest)
        {
            throw new ImagePullException($"manifest {reference} of {image.Name} arrived with digest {digest}");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var declared) && declared.FirstOrDefault() is { } header && header.StartsWith("sha256:", StringComparison.Ordinal) && header != digest)
        {
            throw new ImagePullException($"manifest {reference} of {image.Name}: the registry declared digest {header} but the content hashes to {digest}");
        }

        JsonObject body;
        try
        {
            body = JsonNode.Parse(bytes) as JsonObject ?? throw new ImagePullException($"manifest {reference} of {image.Name} is not a JSON object");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ImagePullException($"manifest {reference} of {image.Name} is not valid JSON: {ex.Message}", ex);
        }

        var mediaType = body["mediaType"]?.GetValue<string>() ?? response.Content.Headers.ContentType?.MediaType ?? string.Empty;
        return new Manifest(digest, mediaType, body, bytes.LongLength);
    }

    /// <summary>Fetches a small blob (the image config) into memory, digest-verified.</summary>
    public async Task<byte[]> GetSmallBlobAsync(ImageReference image, string digest, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(image, $"blobs/{digest}", [], login, cancellationToken).ConfigureAwait(false);
        var bytes = await ReadBoundedAsync(response, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
        if (Digest(bytes) != digest)
        {
            throw new ImagePullException($"blob {digest} of {image.Name} arrived with digest {Digest(bytes)}");
        }

        return bytes;
    }

    /// <summary>Streams a blob into <paramref name="destination"/>, at most <paramref name="maxBytes"/>; returns the sha256 digest of what arrived.</summary>
    public async Task<string> CopyBlobAsync(ImageReference image, string digest, Stream destination, long maxBytes, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(image, $"blobs/{digest}", [], login, cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    throw new ImagePullException($"blob {digest} of {image.Name} is larger than its descriptor's {maxBytes} bytes");
                }

                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The OCI digest of some bytes.</summary>
    public static string Digest(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    private string BaseUri(ImageReference image)
    {
        var plain = image.IsLoopback || insecureRegistries.Contains(image.Registry);
        return $"{(plain ? "http" : "https")}://{image.ApiHost}/v2/{image.Repository}/";
    }

    private async Task<HttpResponseMessage> SendAsync(ImageReference image, string path, string[] accept, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        var uri = new Uri(BaseUri(image) + path);
        var scope = $"repository:{image.Repository}:pull";
        // Per login: a token fetched with one pod's pull secret is never reused for a pod without it.
        var key = $"{image.Registry} {scope} {(login is null ? string.Empty : Digest(Encoding.UTF8.GetBytes(login.Username + "\n" + login.Password)))}";
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var type in accept)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            lock (authorizations)
            {
                if (authorizations.TryGetValue(key, out var known))
                {
                    request.Headers.Authorization = known;
                }
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new ImagePullException($"failed to reach {uri.GetLeftPart(UriPartial.Authority)}: {ex.Message}", ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ImagePullException($"{uri.GetLeftPart(UriPartial.Authority)} did not answer in time", ex);
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && response.Headers.WwwAuthenticate.FirstOrDefault() is { } challenge)
            {
                response.Dispose();
                var authorization = await AuthorizeAsync(challenge, scope, login, cancellationToken).ConfigureAwait(false);
                lock (authorizations)
                {
                    authorizations[key] = authorization;
                }

                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            var status = (int)response.StatusCode;
            var reasonPhrase = response.ReasonPhrase;
            response.Dispose();
            throw new ImagePullException(status switch
            {
                404 => $"{image.Name}:{path[(path.IndexOf('/', StringComparison.Ordinal) + 1)..]}: not found",
                401 or 403 => $"pull access denied for {image.Name}, repository does not exist or may require authorization: {status} {reasonPhrase}",
                _ => $"unexpected status from GET request to {uri}: {status} {reasonPhrase}",
            });
        }
    }

    /// <summary>Answers a <c>WWW-Authenticate</c> challenge: a bearer token from the realm, or Basic with the login.</summary>
    private async Task<AuthenticationHeaderValue> AuthorizeAsync(AuthenticationHeaderValue challenge, string scope, RegistryCredentials? login, CancellationToken cancellationToken)
    {
        var basic = login is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.Username}:{login.Password}"));
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return basic is null
                ? throw new ImagePullException("the registry asks for a login and none was given (add an imagePullSecrets entry)")
                : new AuthenticationHeaderValue("Basic", basic);
        }

        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImagePullException($"the registry asks for {challenge.Scheme} authentication, which the local cluster does not speak");
        }

        var parameters = ParseChallenge(challenge.Parameter ?? string.Empty);
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || (realmUri.Scheme != Uri.UriSchemeHttps && !IsLoopbackHost(realmUri)))
        {
            throw new ImagePullException($"the registry's token realm \"{realm}\" is not an https URL");
        }

        var query = new StringBuilder(realmUri.Query.Length > 1 ? realmUri.Query[1..] + "&" : string.Empty);
        if (parameters.TryGetValue("service", out var service))
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        query.Append("scope=").Append(Uri.EscapeDataString(parameters.TryGetValue("scope", out var askedScope) ? askedScope : scope));
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realmUri) { Query = query.ToString() }.Uri);
        if (basic is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ImagePullException($"the token service {realmUri.GetLeftPart(UriPartial.Path)} refused: {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var body = JsonNode.Parse(await ReadBoundedAsync(response, 1024 * 1024, cancellationToken).ConfigureAwait(false));
        var token = body?["token"]?.GetValue<string>() ?? body?["access_token"]?.GetValue<string>();
        return string.IsNullOrEmpty(token)
            ? throw new ImagePullException($"the token service {realmUri.GetLeftPart(UriPartial.Path)} returned no token")
            : new AuthenticationHeaderValue("Bearer", token);
    }

    private static bool IsLoopbackHost(Uri uri) => uri.IsLoopback;

    /// <summary>Parses <c>realm="…",service="…",scope="…"</c> (quoted values may hold commas).</summary>
    internal static Dictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            while (i < parameter.Length && (parameter[i] == ',' || parameter[i] == ' '))
            {
                i++;
            }

            var eq = parameter.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var name = parameter[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < parameter.Length && parameter[i] == '"')
            {
                var close = parameter.IndexOf('"', i + 1);
                close = close < 0 ? parameter.Length : close;
                value = parameter[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                var comma = parameter.IndexOf(',', i);
                comma = comma < 0 ? parameter.Length : comma;
                value = parameter[i..comma].Trim();
                i = comma;
            }

            result[name] = value;
        }

        return result;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, long max, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > max)
        {
            throw new ImagePullException($"{response.RequestMessage?.RequestUri} is larger than {max} bytes");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var memory = new MemoryStream();
            var buffer = new byte[16384];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (memory.Length + read > max)
                {
                    throw new ImagePullException($"{response.RequestMessage?.RequestUri} is larger than {max} bytes");
                }

                memory.Write(buffer, 0, read);
            }

            return memory.ToArray();
        }
    }

    public void Dispose() => http.Dispose();
}
