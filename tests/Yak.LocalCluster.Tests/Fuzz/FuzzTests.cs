using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using Yak.LocalCluster.Storage;
using Yak.LocalCluster.Tests.Runtime;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Fuzz;

/// <summary>
/// Malformed input never takes the server down: thousands of bad bodies, raw requests, paths and WebSocket frames,
/// with <c>/readyz</c> answering throughout and no 5xx. <c>YAK_FUZZ_COUNT</c> sets the number of inputs per test
/// (default 1000 in the normal run; the full run uses 10000 or more), <c>YAK_FUZZ_SEED</c> replays a run.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly int Count = int.TryParse(Environment.GetEnvironmentVariable("YAK_FUZZ_COUNT"), CultureInfo.InvariantCulture, out var n) ? n : 1000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("YAK_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20261201;

    [Fact]
    public async Task MalformedBodiesRawRequestsAndPaths_Thousands_ReadyzAnswersThroughoutAndNo5xx()
    {
        await using var cluster = await TestCluster.StartAsync();
        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var started = DateTime.UtcNow;
        var next = -1;

        async Task Worker(int worker)
        {
            var inputs = new MalformedInputs(Seed + worker);
            using var http = cluster.Host.Access.CreateHttpClient(timeout: TimeSpan.FromSeconds(30));
            int i;
            while ((i = Interlocked.Increment(ref next)) < Count)
            {
                if (i % 100 == 0)
                {
                    await AssertReadyAsync(http, i);
                }

                var kind = i % 10;
                int status;
                string what;
                if (kind < 5)
                {
                    var (method, path, body, contentType) = inputs.Body();
                    using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                    (status, what) = await SendAsync(http, request, $"{method} {path} ({contentType}, {body.Length} bytes: {Preview(body)})");
                }
                else if (kind < 7)
                {
                    var raw = inputs.RawRequest(cluster.Host.Server.Authority, cluster.Host.Access.Tokens.OwnerToken);
                    (status, what) = (await RawAsync(cluster, raw), $"raw {Preview(raw)}");
                }
                else
                {
                    var method = new[] { "GET", "DELETE", "POST", "HEAD", "OPTIONS", "PUT" }[inputs.Next(6)];
                    var path = inputs.Path();
                    if (!Uri.TryCreate(cluster.Host.Server.GetLeftPart(UriPartial.Authority) + path, UriKind.Absolute, out var uri))
                    {
                        continue; // not expressible as a request URI at all
                    }

                    using var request = new HttpRequestMessage(new HttpMethod(method), uri);
                    (status, what) = await SendAsync(http, request, $"{method} {path}");
                }

                statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
                if (status >= 500 && status != 505) // 505: Kestrel's answer to an HTTP version that does not exist
                {
                    failures.Add($"{status} for {what}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() => Worker(w)))).WithTimeout(TimeSpan.FromMinutes(30));
        using (var http = cluster.Host.Access.CreateHttpClient())
        {
            await AssertReadyAsync(http, Count);
        }

        output.WriteLine($"{Count} inputs (seed {Seed}) in {(DateTime.UtcNow - started).TotalSeconds:F1} s; answers: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(20)));
        Assert.Equal(0, cluster.Host.Services.GetRequiredService<ObjectStore>().ClientSubscriptions);
    }

    [Fact]
    public async Task MalformedWebSocketFrames_ToAnExecStream_ReadyzAnswersThroughout()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(TestPods.Pod("target", TestPods.Shell("app", "exec sleep 100000")), "default").DefaultTimeout();
        await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("target", "default"),
            p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
            "pod target Ready");
        var inputs = new MalformedInputs(Seed);
        var token = cluster.Host.Access.Tokens.OwnerToken;
        var frames = 0;
        var connections = 0;
        var upgraded = 0;
        using var http = cluster.Host.Access.CreateHttpClient();
        while (frames < Count)
        {
            if (connections % 10 == 0)
            {
                await AssertReadyAsync(http, frames);
            }

            connections++;
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, cluster.Host.Server.Port).DefaultTimeout();
            await using var tls = await OpenTlsAsync(cluster, tcp);
            var handshake = $"GET /api/v1/namespaces/default/pods/target/exec?command=cat&stdin=true&stdout=true&stderr=true HTTP/1.1\r\n" +
                $"Host: {cluster.Host.Server.Authority}\r\nAuthorization: Bearer {token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(handshake)).DefaultTimeout();
            var head = await ReadHeadAsync(tls);
            Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
            upgraded++;

            // Frames until the server closes (a protocol error ends the connection) or twenty were sent.
            using var drain = new CancellationTokenSource();
            var reading = DrainAsync(tls, drain.Token);
            for (var k = 0; k < 20 && frames < Count && !reading.IsCompleted; k++, frames++)
            {
                try
                {
                    await tls.WriteAsync(inputs.Frame()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException)
                {
                    break;
                }
            }

            drain.Cancel();
            await reading.ContinueWith(_ => { }, TaskScheduler.Default).DefaultTimeout();
        }

        await AssertReadyAsync(http, frames);
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync("target", "default").DefaultTimeout();
        output.WriteLine($"{frames} frames over {connections} WebSocket connections (seed {Seed})");
        Assert.Equal(connections, upgraded);
        Assert.Equal("Running", pod.Status.Phase);
    }

    private static async Task AssertReadyAsync(HttpClient http, int after)
    {
        using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative)).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/readyz answered {(int)response.StatusCode} after {after} inputs");
    }

    private static async Task<(int Status, string What)> SendAsync(HttpClient http, HttpRequestMessage request, string what)
    {
        try
        {
            using var response = await http.SendAsync(request).DefaultTimeout();
            var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
            return ((int)response.StatusCode, $"{what} → {body[..Math.Min(body.Length, 300)]}");
        }
        catch (HttpRequestException e)
        {
            // The server cut the connection: acceptable for garbage, but it must not be a crash (readyz tells).
            return (0, $"{what} → {e.Message}");
        }
    }

    /// <summary>Sends raw bytes on a fresh TLS connection, half-closes, and returns the status code of the first answer (0 when none).</summary>
    private static async Task<int> RawAsync(TestCluster cluster, byte[] request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, cluster.Host.Server.Port).DefaultTimeout();
        await using var tls = await OpenTlsAsync(cluster, tcp);
        try
        {
            await tls.WriteAsync(request).DefaultTimeout();
            await tls.ShutdownAsync().DefaultTimeout();
            tcp.Client.Shutdown(SocketShutdown.Send);
            var head = await ReadHeadAsync(tls);
            return head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && head.Length >= 12 ? int.Parse(head[9..12], CultureInfo.InvariantCulture) : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static async Task<SslStream> OpenTlsAsync(TestCluster cluster, TcpClient tcp)
    {
        var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { X509Certificate2.CreateFromPem(cluster.Host.Access.CertificateAuthorityPem) },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        }).DefaultTimeout();
        return tls;
    }

    /// <summary>Reads until the end of the response head (or the connection ends, or 64 KiB).</summary>
    private static async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new MemoryStream();
        var one = new byte[1];
        while (head.Length < 64 * 1024)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(one).AsTask().DefaultTimeout();
            }
            catch (IOException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            head.WriteByte(one[0]);
            if (head.Length >= 4 && head.GetBuffer()[(int)head.Length - 4] == '\r' && head.GetBuffer()[(int)head.Length - 1] == '\n' && head.GetBuffer()[(int)head.Length - 2] == '\r')
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(head.ToArray());
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    private static string Preview(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 120));
        return text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }
}
