using System.Net;
using System.Text;
using k8s;
using Yak.LocalCluster.Hosting;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Auth;

/// <summary>Only the cluster's user gets in: HTTPS, a token on every request, nothing a web page or another local user can use.</summary>
public sealed class AccessTests
{
    /// <summary>Every kind of request the server answers: REST, watch, logs, WebSocket and SPDY upgrades, the faults API, health.</summary>
    private static readonly (string Method, string Path, string[] Headers)[] EveryKind =
    [
        ("GET", "/api/v1/namespaces", []),
        ("GET", "/api/v1/namespaces/default/pods?watch=true", []),
        ("POST", "/api/v1/namespaces/default/pods", ["Content-Type: application/json"]),
        ("GET", "/api/v1/namespaces/default/pods/p/log", []),
        ("GET", "/api/v1/namespaces/default/pods/p/exec?command=id&stdout=true",
            ["Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol: v5.channel.k8s.io"]),
        ("POST", "/api/v1/namespaces/default/pods/p/portforward", ["Connection: Upgrade", "Upgrade: SPDY/3.1", "X-Stream-Protocol-Version: portforward.k8s.io"]),
        ("POST", "/api/v1/namespaces/default/pods/p/exec?command=id&stdout=true", ["Connection: Upgrade", "Upgrade: SPDY/3.1", "X-Stream-Protocol-Version: v4.channel.k8s.io"]),
        ("GET", "/local-cluster/faults", []),
        ("POST", "/local-cluster/faults/unresponsive", ["Content-Type: application/json"]),
        ("GET", "/version", []),
        ("GET", "/readyz", []),
    ];

    [Fact]
    public async Task EveryKindOfRequest_FromAnotherLocalUser_Is401AndStateIsUnreadable()
    {
        await using var cluster = await TestCluster.StartAsync();
        var script = new StringBuilder("set -u\n");
        foreach (var file in new[] { cluster.Host.KubeconfigPath, Path.Combine(cluster.Host.StateDirectory, "pki", "server.key"), ClusterAccess.TokenPath(cluster.Host.StateDirectory) })
        {
            script.Append("if cat '").Append(file).Append("' >/dev/null 2>&1; then echo read; else echo denied; fi\n");
        }

        foreach (var (method, path, headers) in EveryKind)
        {
            script.Append("curl -sk --http1.1 -o /dev/null -w '%{http_code}\\n' -X ").Append(method);
            foreach (var header in headers)
            {
                script.Append(" -H '").Append(header).Append('\'');
            }

            if (method == "POST")
            {
                script.Append(" --data-binary '{\"metadata\":{\"name\":\"owned\"}}'");
            }

            script.Append(" '").Append(cluster.Host.Server.GetLeftPart(UriPartial.Authority)).Append(path).Append("'\n");
        }

        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            "setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", "bash", "-c", script.ToString()])).DefaultTimeout();

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["denied", "denied", "denied"], lines[..3]);
        Assert.Equal(Enumerable.Repeat("401", EveryKind.Length), lines[3..]);
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedPodAsync("default").DefaultTimeout()).Items);
    }

    [Fact]
    public async Task Request_UnknownToken_Is401UnauthorizedStatus()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var stranger = cluster.Host.Access.CreateHttpClient(token: "not-a-token-of-this-cluster");

        using var response = await stranger.GetAsync(new Uri("/api/v1/namespaces", UriKind.Relative)).DefaultTimeout();
        var status = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Unauthorized", (string?)status["reason"]);
        Assert.Equal(401, (int?)status["code"]);
    }

    [Fact]
    public async Task Post_TextPlainPod_Is415AndCreatesNothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string pod = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"owned"},"spec":{"containers":[{"name":"c","image":"busybox","command":["sh","-c","id > /tmp/owned"]}]}}""";

        var (withToken, body) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", pod, "text/plain");
        using var anonymous = new HttpClient(cluster.Host.Access.CreateHandler());
        using var content = new StringContent(pod, Encoding.UTF8, "text/plain");
        using var fromPage = await anonymous.PostAsync(new Uri(cluster.Host.Server, "/api/v1/namespaces/default/pods"), content).DefaultTimeout();

        Assert.Equal(415, withToken);
        Assert.Equal("UnsupportedMediaType", (string?)body!["reason"]);
        Assert.Equal(HttpStatusCode.Unauthorized, fromPage.StatusCode);
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedPodAsync("default").DefaultTimeout()).Items);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Host", "evil.example")]
    [InlineData("Host", "127.0.0.1:1")]
    public async Task Request_FromBrowserOrForeignHost_Is403EvenWithToken(string header, string value)
    {
        await using var cluster = await TestCluster.StartAsync();
        var ca = Path.Combine(cluster.Host.StateDirectory, "pki", "ca.crt");

        // curl keeps TLS on the URL's name and sends the header as given (what a rebinding page's request looks like).
        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("curl",
        [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca, "-H", $"Authorization: Bearer {cluster.Host.Access.Tokens.OwnerToken}",
            "-H", $"{header}: {value}", new Uri(cluster.Host.Server, "/api/v1/namespaces").ToString(),
        ])).DefaultTimeout();

        Assert.Equal("403", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Start_StateAndKubeconfig_PrivateFromCreationAndNeverThroughALink()
    {
        using var state = new TempDirectory("yak-lc-");
        var victim = state.Combine("victim");
        await File.WriteAllTextAsync(victim, "unchanged").DefaultTimeout();
        var kubeconfig = state.Combine("kc", "config");
        Directory.CreateDirectory(state.Combine("kc"));
        File.CreateSymbolicLink(kubeconfig, victim);

        await using (var host = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = state.Combine("cluster"),
            KubeconfigPath = kubeconfig,
            RuntimeFactory = _ => new FakePodRuntime(),
        }).DefaultTimeout())
        {
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            Assert.NotEmpty((await client.CoreV1.ListNamespaceAsync().DefaultTimeout()).Items);
        }

        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal("unchanged", await File.ReadAllTextAsync(victim).DefaultTimeout());
        Assert.Null(new FileInfo(kubeconfig).LinkTarget);
        Assert.Equal(owner, File.GetUnixFileMode(kubeconfig));
        Assert.Equal(owner | UnixFileMode.UserExecute, File.GetUnixFileMode(state.Combine("cluster")));
        Assert.Equal(owner, File.GetUnixFileMode(state.Combine("cluster", "pki", "server.key")));
        Assert.Equal(owner, File.GetUnixFileMode(ClusterAccess.TokenPath(state.Combine("cluster"))));
        Assert.Empty(Directory.EnumerateFiles(state.Combine("kc"), "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [Fact]
    public async Task Restart_SameStateFolder_KeepsTokenAndCa()
    {
        using var state = new TempDirectory("yak-lc-");
        string firstToken, firstCa;
        await using (var first = await LocalClusterHost.StartAsync(new LocalClusterOptions { StateDirectory = state.Path, RuntimeFactory = _ => new FakePodRuntime() }).DefaultTimeout())
        {
            (firstToken, firstCa) = (first.Access.Tokens.OwnerToken, first.Access.CertificateAuthorityPem);
        }

        await using var second = await LocalClusterHost.StartAsync(new LocalClusterOptions { StateDirectory = state.Path, RuntimeFactory = _ => new FakePodRuntime() }).DefaultTimeout();
        using var http = second.Access.CreateHttpClient(firstToken);
        using var response = await http.GetAsync(new Uri("/api/v1/namespaces", UriKind.Relative)).DefaultTimeout();

        Assert.Equal(firstCa, second.Access.CertificateAuthorityPem);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task WebSocketBearerSubprotocol_Token_Authenticates()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = new HttpClient(cluster.Host.Access.CreateHandler());
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Host.Server, "/api/v1/namespaces"));
        var encoded = Yak.LocalCluster.Auth.TokenFile.Base64Url(Encoding.UTF8.GetBytes(cluster.Host.Access.Tokens.OwnerToken));
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Protocol", $"base64url.bearer.authorization.k8s.io.{encoded}, v5.channel.k8s.io");

        using var response = await client.SendAsync(request).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
