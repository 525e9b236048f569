using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Yak.LocalCluster.Auth;

namespace Yak.LocalCluster.Hosting;

/// <summary>
/// How a client reaches a running cluster: its HTTPS address, the CA that signed its certificate and the users'
/// tokens. Writes kubeconfigs for users (so another process, another daemon, can connect as that user) and builds
/// HTTP clients that trust the CA and send a token (in-process callers and tests).
/// </summary>
public sealed class ClusterAccess
{
    public const string ServerFileName = "server";

    public ClusterAccess(Uri server, string certificateAuthorityPem, TokenFile tokens)
    {
        Server = server;
        CertificateAuthorityPem = certificateAuthorityPem;
        Tokens = tokens;
    }

    public Uri Server { get; }

    public string CertificateAuthorityPem { get; }

    public TokenFile Tokens { get; }

    /// <summary>The access recorded in a state folder by the cluster last started on it.</summary>
    public static ClusterAccess FromStateDirectory(string stateDirectory)
    {
        var serverFile = Path.Combine(stateDirectory, ServerFileName);
        var caFile = Path.Combine(stateDirectory, "pki", "ca.crt");
        if (!File.Exists(serverFile) || !File.Exists(caFile))
        {
            throw new FileNotFoundException($"{stateDirectory} holds no started cluster ({ServerFileName} or pki/ca.crt is missing): start the cluster on this --state-dir first.");
        }

        return new ClusterAccess(new Uri(File.ReadAllText(serverFile).Trim()), File.ReadAllText(caFile), new TokenFile(TokenPath(stateDirectory)));
    }

    public static string TokenPath(string stateDirectory) => Path.Combine(stateDirectory, "auth", "tokens.csv");

    /// <summary>Adds (or re-keys) a user and writes a kubeconfig for them; returns the user's token.</summary>
    public string AddUser(string name, IReadOnlyList<string> groups, string kubeconfigPath)
    {
        var token = Tokens.Add(name, groups);
        Kubeconfig.Write(kubeconfigPath, Server, CertificateAuthorityPem, token);
        return token;
    }

    /// <summary>An HTTP client for the API that trusts only the cluster's CA and sends <paramref name="token"/> (default: the owner's).</summary>
    public HttpClient CreateHttpClient(string? token = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient(CreateHandler(), disposeHandler: true)
        {
            BaseAddress = Server,
            Timeout = timeout ?? TimeSpan.FromSeconds(100),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Tokens.OwnerToken);
        return client;
    }

    /// <summary>A handler that validates the server's certificate against the cluster's CA alone (no system roots).</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var ca = X509Certificate2.CreateFromPem(CertificateAuthorityPem);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
    }
}
