using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Yak.Kube.Watching;

/// <summary>
/// A watch of one list, read as the API server streams it: one JSON event per line, <c>{"type": …, "object": …}</c>
/// (Kubernetes API concepts, "Efficient detection of changes"). A Status sent in the stream (410 Gone when the
/// version is too old) goes to <c>onError</c> as a <see cref="KubernetesException"/>, as KubernetesClient's watcher
/// did; so does a line that is not an event. A line longer than <see cref="MaxLineBytes"/> ends the watch with an
/// error instead of growing without bound.
/// </summary>
public static class WatchStream
{
    /// <summary>Far above any object the API server stores (etcd's request limit is 1.5 MiB).</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    /// <param name="listPath">The collection, e.g. <c>api/v1/namespaces/NS/pods</c>.</param>
    public static async IAsyncEnumerable<(WatchEventKind Kind, T Object)> WatchAsync<T>(
        IKubernetes client,
        string listPath,
        string? resourceVersion = null,
        int? timeoutSeconds = null,
        bool allowBookmarks = false,
        string? labelSelector = null,
        string? fieldSelector = null,
        Action<Exception>? onError = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        var kube = client as KubeClient
            ?? throw new ArgumentException($"Watches need a {nameof(KubeClient)} (KubeClientFactory creates one), not a {client.GetType().Name}.", nameof(client));
        using var response = await kube.GetStreamingAsync(Query(listPath, resourceVersion, timeoutSeconds, allowBookmarks, labelSelector, fieldSelector), cancellationToken).ConfigureAwait(false);
        var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = buffer.Slice(0, end);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    if (Parse<T>(line, onError) is { } item)
                    {
                        yield return item;
                    }
                }

                if (buffer.Length > MaxLineBytes)
                {
                    onError?.Invoke(new InvalidDataException($"A watch event of {listPath} is longer than {MaxLineBytes} bytes."));
                    yield break;
                }

                if (read.IsCompleted)
                {
                    if (buffer.Length > 0 && Parse<T>(buffer, onError) is { } last)
                    {
                        yield return last;
                    }

                    yield break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One line of the stream: the event, or null when it is blank, a Status (told to <paramref name="onError"/>) or unreadable.</summary>
    public static (WatchEventKind Kind, T Object)? Parse<T>(ReadOnlySpan<byte> line, Action<Exception>? onError)
        where T : class =>
        Parse<T>(new ReadOnlySequence<byte>(line.ToArray()), onError);

    // The stream's own buffer, parsed where it lies: no copy per event.
    private static (WatchEventKind Kind, T Object)? Parse<T>(ReadOnlySequence<byte> line, Action<Exception>? onError)
        where T : class
    {
        if (IsBlank(line))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var type = root.GetProperty("type").GetString();
            var item = root.GetProperty("object");
            if (item.TryGetProperty("kind", out var kind) && kind.ValueEquals("Status"))
            {
                onError?.Invoke(new KubernetesException(KubernetesJson.Deserialize<V1Status>(item.GetRawText())));
                return null;
            }

            return (KindOf(type), KubernetesJson.Deserialize<T>(item.GetRawText()));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            onError?.Invoke(new InvalidDataException($"Not a watch event: {Encoding.UTF8.GetString(line.Slice(0, Math.Min(line.Length, 200)))}", ex));
            return null;
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            if (segment.Span.IndexOfAnyExcept((byte)' ', (byte)'\r') >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static WatchEventKind KindOf(string? type) => type switch
    {
        "ADDED" => WatchEventKind.Added,
        "MODIFIED" => WatchEventKind.Modified,
        "DELETED" => WatchEventKind.Deleted,
        "ERROR" => WatchEventKind.Error,
        "BOOKMARK" => WatchEventKind.Bookmark,
        _ => throw new FormatException($"unknown watch event type '{type}'"),
    };

    private static string Query(string listPath, string? resourceVersion, int? timeoutSeconds, bool allowBookmarks, string? labelSelector, string? fieldSelector)
    {
        var query = new StringBuilder(listPath).Append("?watch=true");
        if (allowBookmarks)
        {
            query.Append("&allowWatchBookmarks=true");
        }

        Append(query, "resourceVersion", resourceVersion);
        Append(query, "timeoutSeconds", timeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Append(query, "labelSelector", labelSelector);
        Append(query, "fieldSelector", fieldSelector);
        return query.ToString();
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }
}
