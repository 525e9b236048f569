using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Streams;

/// <summary>
/// GET <c>pods/{name}/log</c>: plain text, with <c>container</c>, <c>previous</c>, <c>tailLines</c>,
/// <c>sinceSeconds</c>, <c>sinceTime</c>, <c>timestamps</c>, <c>limitBytes</c>, <c>stream</c> and <c>follow</c>
/// (flushed per line batch; ends when the container's run ends, as on Kubernetes).
/// </summary>
internal static class LogEndpoint
{
    public static async Task HandleAsync(HttpContext context, string ns, string name)
    {
        var target = await PodTarget.ResolveAsync(context, ns, name).ConfigureAwait(false);
        if (target is not { } resolved)
        {
            return;
        }

        var (runtime, _, container) = resolved;
        var current = container.CurrentLog;
        if (current is null)
        {
            var reason = container.ImageMissing ? "trying and failing to pull image" : "ContainerCreating";
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"container \"{container.Name}\" in pod \"{name}\" is waiting to start: {reason}").ConfigureAwait(false);
            return;
        }

        var previous = StreamRequest.Flag(context, "previous");
        var run = int.Parse(Path.GetFileNameWithoutExtension(current.Path), CultureInfo.InvariantCulture);
        var path = previous ? container.LogPath(run - 1) : current.Path;
        if (previous && (run == 0 || !File.Exists(path)))
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"previous terminated container \"{container.Name}\" in pod \"{name}\" not found").ConfigureAwait(false);
            return;
        }

        var options = new LogQuery(
            StreamRequest.Flag(context, "timestamps"),
            StreamRequest.Number(context, "tailLines"),
            Since(context),
            StreamRequest.Number(context, "limitBytes"),
            context.Request.Query["stream"].FirstOrDefault() is { Length: > 0 } only && only != "All" ? only.ToLowerInvariant() : null);
        var follow = StreamRequest.Flag(context, "follow") && !previous;

        using var lease = runtime.Streams.Register(context);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(lease.Token).ConfigureAwait(false);
        try
        {
            await StreamAsync(context.Response, path, follow ? current : null, options, lease.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    }

    private static DateTimeOffset? Since(HttpContext context)
    {
        if (StreamRequest.Number(context, "sinceSeconds") is { } seconds)
        {
            return DateTimeOffset.UtcNow.AddSeconds(-seconds);
        }

        return DateTimeOffset.TryParse(context.Request.Query["sinceTime"].FirstOrDefault(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    private static async Task StreamAsync(HttpResponse response, string path, ContainerLog? follow, LogQuery query, CancellationToken cancellationToken)
    {
        long offset = 0;
        long written = 0;
        var first = true;
        while (true)
        {
            var changed = follow?.Changed;
            var (lines, next) = ReadLines(path, offset);
            offset = next;
            IEnumerable<LogLine> selected = lines.Where(l => (query.Since is null || l.Time >= query.Since) && (query.Stream is null || l.Stream == query.Stream));
            if (first && query.TailLines is { } tail)
            {
                selected = selected.TakeLast((int)Math.Max(0, tail));
            }

            first = false;
            foreach (var line in selected)
            {
                var bytes = Encoding.UTF8.GetBytes(line.Format(query.Timestamps));
                if (query.LimitBytes is { } limit && written + bytes.Length > limit)
                {
                    await response.Body.WriteAsync(bytes.AsMemory(0, (int)Math.Max(0, limit - written)), cancellationToken).ConfigureAwait(false);
                    return;
                }

                written += bytes.Length;
                await response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }

            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (follow is null || changed is null || (follow.Completed && changed.IsCompleted && lines.Count == 0))
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Complete lines from <paramref name="offset"/> on, and the offset after the last one.</summary>
    private static (List<LogLine> Lines, long Next) ReadLines(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        file.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[file.Length - offset];
        file.ReadExactly(buffer);
        var end = Array.LastIndexOf(buffer, (byte)'\n');
        var lines = new List<LogLine>();
        if (end < 0)
        {
            return (lines, offset);
        }

        foreach (var stored in Encoding.UTF8.GetString(buffer, 0, end).Split('\n'))
        {
            if (LogLine.Parse(stored) is { } line)
            {
                lines.Add(line);
            }
        }

        return (lines, offset + end + 1);
    }

    private sealed record LogQuery(bool Timestamps, long? TailLines, DateTimeOffset? Since, long? LimitBytes, string? Stream);
}
