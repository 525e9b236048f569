using System.Text;
using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>
/// Reads a pod's <c>imagePullSecrets</c> at pull time (the API side implements it over the store), so a secret
/// created after the pod is used by the next attempt, as the kubelet does.
/// </summary>
public interface IImagePullSecrets
{
    /// <summary>The data of secret <paramref name="name"/> in <paramref name="ns"/> (type and decoded keys), or null when absent.</summary>
    (string Type, IReadOnlyDictionary<string, byte[]> Data)? Read(string ns, string name);
}

/// <summary>Finds a registry login in docker config secrets (<c>kubernetes.io/dockerconfigjson</c>, <c>kubernetes.io/dockercfg</c>).</summary>
public static class DockerConfigLogins
{
    /// <summary>The login for <paramref name="registry"/> from the first of the secrets that has one, or null.</summary>
    public static RegistryCredentials? Find(IImagePullSecrets? secrets, string ns, IEnumerable<string> secretNames, string registry)
    {
        if (secrets is null)
        {
            return null;
        }

        foreach (var name in secretNames)
        {
            if (secrets.Read(ns, name) is not { } secret)
            {
                continue;
            }

            var auths = secret.Data.TryGetValue(".dockerconfigjson", out var json) ? Parse(json)?["auths"] as JsonObject
                : secret.Data.TryGetValue(".dockercfg", out var cfg) ? Parse(cfg) as JsonObject
                : null;
            foreach (var (key, entry) in auths ?? [])
            {
                if (Host(key) == registry && Login(entry) is { } login)
                {
                    return login;
                }
            }
        }

        return null;
    }

    private static JsonNode? Parse(byte[] bytes)
    {
        try
        {
            return bytes.Length > 1024 * 1024 ? null : JsonNode.Parse(bytes);
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
        return host is "index.docker.io" or "registry-1.docker.io" ? ImageReference.DockerHub : host;
    }

    private static RegistryCredentials? Login(JsonNode? entry)
    {
        if (entry?["username"]?.GetValue<string>() is { Length: > 0 } user)
        {
            return new RegistryCredentials(user, entry["password"]?.GetValue<string>() ?? string.Empty);
        }

        if (entry?["auth"]?.GetValue<string>() is { Length: > 0 } auth)
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                return colon > 0 ? new RegistryCredentials(pair[..colon], pair[(colon + 1)..]) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }
}
