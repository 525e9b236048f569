using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using k8s;
using Microsoft.Extensions.Time.Testing;
using Yak.Kube.Credentials;
using Yak.Testing;

namespace Yak.Kube.Tests.Credentials;

/// <summary>A kubeconfig user's auth-provider oidc: the id-token while valid, renewed at the issuer's token endpoint, written back.</summary>
public sealed class OidcTokenProviderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetAuthenticationHeader_ValidIdToken_SendsItWithoutAskingTheIssuer()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        using var work = new TempDirectory("yak-oidc-");
        var token = Jwt(Now.AddHours(1));
        using var provider = new OidcTokenProvider(Settings(work, issuer, token, "r1"), Time());

        var header = await provider.GetAuthenticationHeaderAsync(CancellationToken.None).DefaultTimeout();

        Assert.Equal(("Bearer", token), (header.Scheme, header.Parameter));
        Assert.Empty(issuer.Requests);
    }

    [Fact]
    public async Task GetAuthenticationHeader_ExpiredIdToken_RenewsAtTheDiscoveredEndpointAndWritesTheKubeconfig()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        using var work = new TempDirectory("yak-oidc-");
        var renewed = Jwt(Now.AddHours(1));
        issuer.Answer = _ => (200, Tokens(renewed, "r2"));
        var settings = Settings(work, issuer, Jwt(Now.AddSeconds(10)), "r1", clientSecret: "s3cret");
        File.SetUnixFileMode(settings.KubeconfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var provider = new OidcTokenProvider(settings, Time());

        var header = await provider.GetAuthenticationHeaderAsync(CancellationToken.None).DefaultTimeout();
        var again = await provider.GetAuthenticationHeaderAsync(CancellationToken.None).DefaultTimeout();

        Assert.Equal(renewed, header.Parameter);
        Assert.Equal(renewed, again.Parameter);
        Assert.Equal(["GET /issuer/.well-known/openid-configuration", "POST /token"], issuer.Requests.Select(r => r.Line));
        Assert.Equal("grant_type=refresh_token&refresh_token=r1&client_id=yak&client_secret=s3cret", issuer.Requests.Last().Body);
        var written = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(settings.KubeconfigPath));
        var config = Assert.Single(written.Users!).UserCredentials.AuthProvider.Config;
        Assert.Equal((renewed, "r2", "yak"), (config["id-token"], config["refresh-token"], config["client-id"]));
        Assert.Equal("https://127.0.0.1:6443", Assert.Single(written.Clusters!).ClusterEndpoint.Server);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(settings.KubeconfigPath));
        Assert.Equal([Path.GetFileName(settings.KubeconfigPath)], Directory.GetFiles(work.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task GetAuthenticationHeader_ManyRequestsWhileExpired_RenewsOnce()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        using var work = new TempDirectory("yak-oidc-");
        var renewed = Jwt(Now.AddHours(1));
        issuer.Answer = _ => (200, Tokens(renewed));
        using var provider = new OidcTokenProvider(Settings(work, issuer, Jwt(Now.AddMinutes(-5)), "r1"), Time());

        var headers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => provider.GetAuthenticationHeaderAsync(CancellationToken.None))).DefaultTimeout();

        Assert.All(headers, h => Assert.Equal(renewed, h.Parameter));
        Assert.Single(issuer.Requests, r => r.Line == "POST /token");
    }

    [Fact]
    public async Task GetAuthenticationHeader_RefreshTokenRefused_SaysWhyAndToLogInAgain()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        using var work = new TempDirectory("yak-oidc-");
        issuer.Answer = _ => (400, """{"error":"invalid_grant","error_description":"Refresh token is invalid or has already been claimed by another client."}""");
        var settings = Settings(work, issuer, Jwt(Now.AddMinutes(-5)), "r1");
        var before = File.ReadAllText(settings.KubeconfigPath);
        using var provider = new OidcTokenProvider(settings, Time());

        var error = await Assert.ThrowsAsync<KubeConnectionException>(() => provider.GetAuthenticationHeaderAsync(CancellationToken.None)).DefaultTimeout();

        Assert.Contains("400 invalid_grant: Refresh token is invalid", error.Message, StringComparison.Ordinal);
        Assert.Contains("Log in to it again", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(settings.KubeconfigPath));
    }

    [Fact]
    public async Task GetAuthenticationHeader_ExpiredWithoutRefreshToken_SaysToLogInAgain()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        using var work = new TempDirectory("yak-oidc-");
        using var provider = new OidcTokenProvider(Settings(work, issuer, Jwt(Now.AddMinutes(-5)), refreshToken: null), Time());

        var error = await Assert.ThrowsAsync<KubeConnectionException>(() => provider.GetAuthenticationHeaderAsync(CancellationToken.None)).DefaultTimeout();

        Assert.Contains("has expired", error.Message, StringComparison.Ordinal);
        Assert.Contains("no refresh-token", error.Message, StringComparison.Ordinal);
        Assert.Empty(issuer.Requests);
    }

    [Fact]
    public async Task GetAuthenticationHeader_KubeconfigLocked_UsesTheRenewedTokenAndLeavesTheFileAlone()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        using var work = new TempDirectory("yak-oidc-");
        var renewed = Jwt(Now.AddHours(1));
        issuer.Answer = _ => (200, Tokens(renewed, "r2"));
        var settings = Settings(work, issuer, Jwt(Now.AddMinutes(-5)), "r1");
        var before = File.ReadAllText(settings.KubeconfigPath);
        File.WriteAllText(settings.KubeconfigPath + ".lock", string.Empty); // kubectl is writing it
        using var provider = new OidcTokenProvider(settings, Time());

        var header = await provider.GetAuthenticationHeaderAsync(CancellationToken.None).DefaultTimeout();

        Assert.Equal(renewed, header.Parameter);
        Assert.Equal(before, File.ReadAllText(settings.KubeconfigPath));
        Assert.True(File.Exists(settings.KubeconfigPath + ".lock"));
    }

    [Fact]
    public async Task GetAuthenticationHeader_KubeconfigNowNestedHundredThousandDeep_UsesTheRenewedTokenAndLeavesTheFileAlone()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        using var work = new TempDirectory("yak-oidc-");
        var renewed = Jwt(Now.AddHours(1));
        issuer.Answer = _ => (200, Tokens(renewed, "r2"));
        var settings = Settings(work, issuer, Jwt(Now.AddMinutes(-5)), "r1");
        // Edited since it was read: YamlDotNet's node model would recurse once per level and overflow the stack.
        File.AppendAllText(settings.KubeconfigPath, "\npreferences: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        var before = File.ReadAllText(settings.KubeconfigPath);
        using var provider = new OidcTokenProvider(settings, Time());

        var header = await provider.GetAuthenticationHeaderAsync(CancellationToken.None).DefaultTimeout();

        Assert.Equal(renewed, header.Parameter);
        Assert.Equal(before, File.ReadAllText(settings.KubeconfigPath));
    }

    [Fact]
    public async Task GetAuthenticationHeader_IssuerOnItsOwnCa_TrustsTheKubeconfigsAuthorityForIt()
    {
        using var certificate = SelfSignedLoopbackCertificate();
        await using var issuer = await OidcIssuer.StartAsync(certificate);
        using var work = new TempDirectory("yak-oidc-");
        var renewed = Jwt(Now.AddHours(1));
        issuer.Answer = _ => (200, Tokens(renewed));
        var trusting = Settings(work, issuer, Jwt(Now.AddMinutes(-5)), "r1") with { CertificateAuthority = [X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert))] };
        var untrusting = trusting with { CertificateAuthority = null };

        using (var provider = new OidcTokenProvider(untrusting, Time()))
        {
            var error = await Assert.ThrowsAsync<KubeConnectionException>(() => provider.GetAuthenticationHeaderAsync(CancellationToken.None)).DefaultTimeout();
            Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
        }

        using (var provider = new OidcTokenProvider(trusting, Time()))
        {
            Assert.Equal(renewed, (await provider.GetAuthenticationHeaderAsync(CancellationToken.None).DefaultTimeout()).Parameter);
        }
    }

    [Fact]
    public void Create_OidcUserWithUnreadableAuthority_NamesTheKey()
    {
        using var work = new TempDirectory("yak-oidc-");
        var path = Path.Combine(work.Path, "kubeconfig");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
            users: [{name: me, user: {auth-provider: {name: oidc, config: {client-id: yak, idp-issuer-url: "https://idp.example", idp-certificate-authority: missing-ca.pem}}}}]
            contexts: [{name: dev, context: {cluster: c, user: me}}]
            current-context: dev
            """);

        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget(path, null)));

        Assert.Contains("idp-certificate-authority of user 'me'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_OidcUser_ClientSendsTheIdTokenAsBearer()
    {
        await using var server = await OidcIssuer.StartAsync();
        server.Answer = request => request.Line.StartsWith("GET /api/v1/namespaces", StringComparison.Ordinal)
            ? (200, """{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}""")
            : (404, "{}");
        using var work = new TempDirectory("yak-oidc-");
        var token = Jwt(DateTimeOffset.UtcNow.AddHours(1));
        var path = WriteKubeconfig(work, server.Address.ToString().TrimEnd('/'), $"{server.Address}issuer", token, "r1");

        using var connection = KubeClientFactory.Create(new KubeTarget(path, "dev"));
        var namespaces = await connection.Client.CoreV1.ListNamespaceAsync().DefaultTimeout();

        Assert.Empty(namespaces.Items);
        Assert.Equal($"Bearer {token}", Assert.Single(server.Requests).Authorization);
    }

    [Fact]
    public void Create_OidcUserWithoutIssuer_NamesTheMissingKey()
    {
        using var work = new TempDirectory("yak-oidc-");
        var path = Path.Combine(work.Path, "kubeconfig");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
            users: [{name: me, user: {auth-provider: {name: oidc, config: {client-id: yak, id-token: x}}}}]
            contexts: [{name: dev, context: {cluster: c, user: me}}]
            current-context: dev
            """);

        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget(path, null)));

        Assert.Contains("'idp-issuer-url'", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.%%%.c")]
    [InlineData("a.e30.c")]
    public void ExpiryOf_NotAJwtWithExp_IsTheMinimumSoItIsRenewed(string token) =>
        Assert.Equal(DateTimeOffset.MinValue, OidcTokenProvider.ExpiryOf(token));

    [Fact]
    public void ExpiryOf_Jwt_IsItsExpClaim() =>
        Assert.Equal(Now.AddHours(1), OidcTokenProvider.ExpiryOf(Jwt(Now.AddHours(1))));

    private static FakeTimeProvider Time() => new(Now);

    // A token endpoint's answer (RFC 6749 §5.1, with OpenID Connect's id_token).
    private static string Tokens(string idToken, string? refreshToken = null) => JsonSerializer.Serialize(
        refreshToken is null
            ? new Dictionary<string, string> { ["id_token"] = idToken, ["token_type"] = "Bearer" }
            : new Dictionary<string, string> { ["id_token"] = idToken, ["refresh_token"] = refreshToken, ["token_type"] = "Bearer" });

    private static X509Certificate2 SelfSignedLoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=yak test issuer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), password: null);
    }

    private static string Jwt(DateTimeOffset expires)
    {
        static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Encode("""{"alg":"RS256","typ":"JWT"}""")}.{Encode($$"""{"iss":"test","sub":"dev","exp":{{expires.ToUnixTimeSeconds()}}}""")}.c2lnbmF0dXJl";
    }

    private static OidcSettings Settings(TempDirectory work, OidcIssuer issuer, string idToken, string? refreshToken, string? clientSecret = null)
    {
        var path = WriteKubeconfig(work, "https://127.0.0.1:6443", $"{issuer.Address}issuer", idToken, refreshToken, clientSecret);
        var user = Assert.Single(KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(path)).Users!);
        return OidcSettings.From(path, user.Name, user.UserCredentials.AuthProvider.Config);
    }

    private static string WriteKubeconfig(TempDirectory work, string server, string issuer, string idToken, string? refreshToken, string? clientSecret = null)
    {
        var path = Path.Combine(work.Path, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: "{server}"
            users:
            - name: me
              user:
                auth-provider:
                  name: oidc
                  config:
                    idp-issuer-url: "{issuer}"
                    client-id: yak
            {(clientSecret is null ? "" : $"        client-secret: {clientSecret}\n")}        id-token: "{idToken}"
            {(refreshToken is null ? "" : $"        refresh-token: {refreshToken}\n")}contexts:
            - name: dev
              context:
                cluster: c
                user: me
            current-context: dev
            """);
        return path;
    }
}
