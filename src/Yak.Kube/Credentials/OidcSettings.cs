using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Yak.Kube.Credentials;

/// <summary>What a kubeconfig's <c>auth-provider: oidc</c> says (client-go's config keys).</summary>
public sealed record OidcSettings(
    string KubeconfigPath,
    string User,
    string IssuerUrl,
    string ClientId,
    string? ClientSecret,
    string IdToken,
    string? RefreshToken,
    X509Certificate2Collection? CertificateAuthority)
{
    /// <summary>Reads the auth-provider's config map; a missing key is an error that names it.</summary>
    public static OidcSettings From(string kubeconfigPath, string user, IDictionary<string, string>? config)
    {
        config ??= new Dictionary<string, string>();
        string Required(string key) => config.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value)
            ? value
            : throw new KubeConnectionException($"Kubeconfig {kubeconfigPath}: user '{user}' uses auth-provider oidc without '{key}'. Add it (your identity provider's login tool writes it), or use an exec credential plugin such as kubelogin.");
        string? Optional(string key) => config.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value : null;

        X509Certificate2Collection? authorities = null;
        var authorityKey = Optional("idp-certificate-authority-data") is not null ? "idp-certificate-authority-data" : "idp-certificate-authority";
        try
        {
            if (Optional("idp-certificate-authority-data") is { } data)
            {
                authorities = new X509Certificate2Collection();
                authorities.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(data)));
            }
            else if (Optional("idp-certificate-authority") is { } file)
            {
                authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(Path.IsPathRooted(file) ? file : Path.Combine(Path.GetDirectoryName(kubeconfigPath) ?? ".", file));
            }
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new KubeConnectionException($"Kubeconfig {kubeconfigPath}: the {authorityKey} of user '{user}' is not a readable PEM certificate ({ex.Message}).", ex);
        }

        if (authorities is { Count: 0 })
        {
            throw new KubeConnectionException($"Kubeconfig {kubeconfigPath}: the {authorityKey} of user '{user}' holds no PEM certificate.");
        }

        return new OidcSettings(kubeconfigPath, user, Required("idp-issuer-url"), Required("client-id"), Optional("client-secret"), Optional("id-token") ?? string.Empty, Optional("refresh-token"), authorities);
    }
}
