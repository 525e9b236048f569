using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Yak.Testing.Images;

/// <summary>A registry login for a <see cref="RegistryFixture"/> that requires one.</summary>
public sealed record RegistryLogin(string Username, string Password);

/// <summary>
/// The token service of Docker's registry token auth, for tests: on 127.0.0.1, it answers
/// <c>GET /token?service=…&amp;scope=repository:NAME:pull,push</c> with a JWT (RS256, signed by a self-signed
/// certificate the registry trusts through its <c>rootcertbundle</c>, sent in the <c>x5c</c> header) granting what was
/// asked, but only to a request with the right Basic login; anything else gets 401. It counts the tokens it issued.
/// </summary>
public sealed class RegistryTokenServer : IDisposable
{
    public const string Service = "yak-test-registry";
    public const string Issuer = "yak-test-token-issuer";

    private readonly HttpListener listener = new();
    private readonly RSA key = RSA.Create(2048);
    private readonly X509Certificate2 certificate;
    private readonly RegistryLogin login;
    private readonly Task serving;
    private int issued;

    public RegistryTokenServer(RegistryLogin login, string certificatePath)
    {
        this.login = login;
        var request = new CertificateRequest("CN=" + Issuer, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        Port = RegistryFixture.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Realm => $"http://127.0.0.1:{Port}/token";

    /// <summary>How many tokens were handed out (to prove a client went through the token dance).</summary>
    public int Issued => Volatile.Read(ref issued);

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.Username}:{login.Password}"));
            if (context.Request.Url?.AbsolutePath != "/token" || context.Request.Headers["Authorization"] != expected)
            {
                response.StatusCode = 401;
                continue;
            }

            var scopes = context.Request.QueryString.GetValues("scope") ?? [];
            var body = Encoding.UTF8.GetBytes(new JsonObject { ["token"] = Token(scopes), ["expires_in"] = 300 }.ToJsonString());
            Interlocked.Increment(ref issued);
            response.ContentType = "application/json";
            await response.OutputStream.WriteAsync(body);
        }
    }

    private string Token(IEnumerable<string> scopes)
    {
        var access = new JsonArray();
        foreach (var scope in scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var parts = scope.Split(':');
            if (parts.Length == 3)
            {
                access.Add(new JsonObject
                {
                    ["type"] = parts[0],
                    ["name"] = parts[1],
                    ["actions"] = new JsonArray([.. parts[2].Split(',').Select(a => (JsonNode)a)]),
                });
            }
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(certificate.RawData)) };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = login.Username,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 60,
            ["iat"] = now,
            ["jti"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
            ["access"] = access,
        };
        var signed = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        // Close alone: after Stop, the managed HttpListener's Close removes its prefixes a second time, and finding their
        // endpoint gone it binds the port again — "Address already in use" once another test holds that port (CI, 2026-12-03).
        listener.Close();
        _ = serving.ContinueWith(_ => { }, TaskScheduler.Default);
        certificate.Dispose();
        key.Dispose();
    }
}
