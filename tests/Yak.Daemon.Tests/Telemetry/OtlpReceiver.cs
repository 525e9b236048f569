using System.Net;

namespace Yak.Daemon.Tests.Telemetry;

/// <summary>
/// A small OTLP/HTTP collector on 127.0.0.1: takes the protobuf exports at /v1/traces and /v1/metrics, decodes
/// the parts the tests read (spans, resource attributes, metric names and data point attributes) and keeps the
/// request headers. Waiting is on arrivals, never on a sleep.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Lock gate = new();
    private readonly List<OtlpSpan> spans = [];
    private readonly List<OtlpMetricPoint> points = [];
    private readonly List<(string Path, WebHeaderCollection Headers)> requests = [];
    private readonly Task loop;
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OtlpReceiver(int port)
    {
        Endpoint = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(Endpoint + "/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    public static OtlpReceiver Start()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new OtlpReceiver(port);
    }

    public IReadOnlyList<(string Path, WebHeaderCollection Headers)> Requests
    {
        get
        {
            lock (gate)
            {
                return [.. requests];
            }
        }
    }

    public IReadOnlyList<OtlpSpan> Spans
    {
        get
        {
            lock (gate)
            {
                return [.. spans];
            }
        }
    }

    public Task<OtlpSpan> WaitForSpanAsync(Func<OtlpSpan, bool> match) => WaitAsync(() => Spans.FirstOrDefault(match));

    public Task<OtlpMetricPoint> WaitForMetricAsync(Func<OtlpMetricPoint, bool> match) => WaitAsync(() =>
    {
        lock (gate)
        {
            return points.FirstOrDefault(match);
        }
    });

    public async ValueTask DisposeAsync()
    {
        // Close alone: after Stop, the managed HttpListener's Close removes its prefixes a second time, and finding their
        // endpoint gone it binds the port again — "Address already in use" once another test holds that port (CI, 2026-12-03).
        listener.Close();
        try
        {
            await loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task<T> WaitAsync<T>(Func<T?> find)
        where T : class
    {
        while (true)
        {
            Task next;
            lock (gate)
            {
                next = arrived.Task;
            }

            if (find() is { } found)
            {
                return found;
            }

            await next;
        }
    }

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

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var path = context.Request.Url!.AbsolutePath;
            TaskCompletionSource done;
            lock (gate)
            {
                requests.Add((path, new WebHeaderCollection { context.Request.Headers }));
                if (path == "/v1/traces")
                {
                    spans.AddRange(OtlpProto.Spans(body.ToArray()));
                }
                else if (path == "/v1/metrics")
                {
                    points.AddRange(OtlpProto.MetricPoints(body.ToArray()));
                }

                done = arrived;
                arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
            done.TrySetResult();
        }
    }
}
