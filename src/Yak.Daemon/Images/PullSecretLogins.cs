using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace Yak.Daemon.Images;

/// <summary>
/// The registry logins a namespace's pods pull with: the <c>imagePullSecrets</c> of its <c>default</c> service account
/// (what the cluster adds to every pod that names none), read with the developer's own kube credentials. Docker config
/// secrets only (<c>kubernetes.io/dockerconfigjson</c>, <c>kubernetes.io/dockercfg</c>).
/// </summary>
internal static class PullSecretLogins
{
    private const int MaxSecrets = 16;
    private const int MaxConfigBytes = 1024 * 1024;

    /// <summary>Registry host → login, from the namespace's pull secrets; empty when there are none or they may not be read.</summary>
    public static async Task<IReadOnlyDictionary<string, RegistryLogin>> ReadAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        var logins = new Dictionary<string, RegistryLogin>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var account = await client.CoreV1.ReadNamespacedServiceAccountAsync("default", ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var name in (account.ImagePullSecrets ?? []).Select(s => s.Name).OfType<string>().Take(MaxSecrets))
            {
                var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                var data = secret.Data ?? new Dictionary<string, byte[]>();
                var config = data.TryGetValue(".dockerconfigjson", out var json) ? Parse(json)?["auths"] as JsonObject
                    : data.TryGetValue(".dockercfg", out var cfg) ? Parse(cfg) as JsonObject
                    : null;
                foreach (var (key, entry) in config ?? [])
                {
                    // The first secret that has a registry wins, as the kubelet tries them in order.
                    if (Login(entry) is { } login)
                    {
                        logins.TryAdd(Host(key), login);
                    }
                }
            }
        }
        catch (HttpOperationException ex) when ((int)ex.Response.StatusCode is 403 or 404)
        {
            // No account yet, or the developer may not read secrets here: resolve anonymously.
        }

        return logins;
    }

    private static JsonNode? Parse(byte[] bytes)
    {
        try
        {
            return bytes.Length > MaxConfigBytes ? null : JsonNode.Parse(bytes);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>A docker config key as a registry host: <c>https://index.docker.io/v1/</c> → docker.io, scheme and path dropped.</summary>
    internal static string Host(string key)
    {
        var host = key.Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        host = slash >= 0 ? host[..slash] : host;
        return host is "index.docker.io" or "registry-1.docker.io" ? ImageName.DockerHub : host;
    }

    private static RegistryLogin? Login(JsonNode? entry)
    {
        if (entry is not JsonObject fields)
        {
            return null;
        }

        if (fields["username"] is JsonValue user && user.TryGetValue<string>(out var name) && name.Length > 0)
        {
            return new RegistryLogin(name, fields["password"] is JsonValue p && p.TryGetValue<string>(out var password) ? password : string.Empty);
        }

        if (fields["auth"] is JsonValue auth && auth.TryGetValue<string>(out var encoded) && encoded.Length > 0)
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                return colon > 0 ? new RegistryLogin(pair[..colon], pair[(colon + 1)..]) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }
}
