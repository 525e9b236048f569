using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s;
using k8s.Models;
using Yak.Kube.Watching;
using Yak.Testing;

namespace Yak.Kube.Tests.Watching;

/// <summary>The watch stream read line by line: events, a Status in the stream, lines that are not events, a line past the bound.</summary>
public sealed class WatchStreamTests
{
    [Fact]
    public void Parse_AddedPod_TheEventAndItsObject()
    {
        var parsed = WatchStream.Parse<V1Pod>("""{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-1","resourceVersion":"7"}}}"""u8, e => Assert.Fail(e.ToString()));

        Assert.Equal(WatchEventKind.Added, parsed!.Value.Kind);
        Assert.Equal(("web-1", "7"), (parsed.Value.Object.Metadata.Name, parsed.Value.Object.Metadata.ResourceVersion));
    }

    [Fact]
    public void Parse_ExpiredStatusInTheStream_ToldAsKubernetesExceptionWithItsCode()
    {
        Exception? error = null;

        var parsed = WatchStream.Parse<V1Pod>("""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (9)","reason":"Expired","code":410}}"""u8, e => error = e);

        Assert.Null(parsed);
        Assert.Equal(410, Assert.IsType<KubernetesException>(error).Status.Code);
    }

    [Theory]
    [InlineData("""{"type":"SHRUNK","object":{"kind":"Pod"}}""")]
    [InlineData("""{"object":{"kind":"Pod"}}""")]
    [InlineData("""not json""")]
    public void Parse_NotAnEvent_ToldAsErrorAndSkipped(string line)
    {
        Exception? error = null;

        var parsed = WatchStream.Parse<V1Pod>(Encoding.UTF8.GetBytes(line), e => error = e);

        Assert.Null(parsed);
        Assert.IsType<InvalidDataException>(error);
    }

    [Fact]
    public async Task WatchAsync_ServerStreamsEventsThenEnds_YieldsEachInOrderAndEnds()
    {
        var body = """
            {"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"1"}}}

            {"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"2"}}}
            {"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"3"}}}
            """;
        await using var server = await OneResponseServer.StartAsync(Encoding.UTF8.GetBytes(body));
        using var client = new KubeClient(new KubernetesClientConfiguration { Host = server.Url });

        var events = new List<(WatchEventKind, string?)>();
        await foreach (var (kind, pod) in WatchStream.WatchAsync<V1Pod>(client, "api/v1/namespaces/default/pods", "1", 30, allowBookmarks: true, onError: e => Assert.Fail(e.ToString())).ConfigureAwait(false))
        {
            events.Add((kind, pod.Metadata.ResourceVersion));
        }

        Assert.Equal([(WatchEventKind.Added, "1"), (WatchEventKind.Bookmark, "2"), (WatchEventKind.Deleted, "3")], events);
        Assert.StartsWith("GET /api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true&resourceVersion=1&timeoutSeconds=30 ", await server.RequestLine.DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAsync_LineLongerThanTheBound_EndsWithAnErrorInsteadOfGrowing()
    {
        var body = new byte[WatchStream.MaxLineBytes + 1024];
        Array.Fill(body, (byte)'x');
        await using var server = await OneResponseServer.StartAsync(body);
        using var client = new KubeClient(new KubernetesClientConfiguration { Host = server.Url });
        Exception? error = null;

        var events = 0;
        await foreach (var _ in WatchStream.WatchAsync<V1Pod>(client, "api/v1/namespaces/default/pods", onError: e => error = e).ConfigureAwait(false))
        {
            events++;
        }

        Assert.Equal(0, events);
        Assert.Contains("longer than", Assert.IsType<InvalidDataException>(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAsync_ClientNotAKubeClient_RefusedNamingWhatToUse()
    {
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var _ in WatchStream.WatchAsync<V1Pod>(client, "api/v1/pods"))
            {
            }
        });

        Assert.Contains(nameof(KubeClient), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KubeInformers_ClientNotAKubeClient_RefusedAtConstruction()
    {
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });

        var error = Assert.Throws<ArgumentException>(() => new KubeInformers(client));

        Assert.Contains(nameof(KubeClient), error.Message, StringComparison.Ordinal);
    }

    /// <summary>A loopback HTTP/1.1 server that answers one request with a streamed 200 and <c>body</c>, then closes.</summary>
    private sealed class OneResponseServer : IAsyncDisposable
    {
        private readonly TcpListener listener;
        private readonly Task serving;
        private readonly TaskCompletionSource<string> requestLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private OneResponseServer(byte[] body)
        {
            listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            serving = ServeAsync(body);
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

        public Task<string> RequestLine => requestLine.Task;

        public static Task<OneResponseServer> StartAsync(byte[] body) => Task.FromResult(new OneResponseServer(body));

        private async Task ServeAsync(byte[] body)
        {
            using var socket = await listener.AcceptSocketAsync();
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one) == 1)
            {
                head.Append((char)one[0]);
            }

            requestLine.TrySetResult(head.ToString().Split("\r\n")[0]);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
            try
            {
                await stream.WriteAsync(body);
            }
            catch (IOException)
            {
                // The client stops reading a line past the bound and closes.
            }

            socket.Shutdown(SocketShutdown.Both);
        }

        public async ValueTask DisposeAsync()
        {
            listener.Stop();
            try
            {
                await serving.DefaultTimeout();
            }
            catch (SocketException)
            {
            }
        }
    }
}
