using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.Kube.Pods;

namespace Yak.Kube.Streams;

/// <summary>One line of one container's log; <see cref="Time"/> is the runtime's timestamp (RFC 3339) or empty.</summary>
public sealed record KubeLogLine(string Pod, string Container, string Time, string Line);

/// <summary>
/// The logs of every pod a selector (or a single pod) names. Following keeps going: when a follow stream ends
/// (the container restarted, or the stream dropped) it is reopened for the container's current run, lines at or
/// before the last one seen are skipped, and pods that join the selector later are followed too.
/// </summary>
public static class KubeLogs
{
    private static readonly TimeSpan PodRescan = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>Pods matching <paramref name="labelSelector"/> that are not being deleted, oldest first.</summary>
    public static async Task<IReadOnlyList<V1Pod>> ListPodsAsync(KubeConnection connection, string podNamespace, string labelSelector, CancellationToken cancellationToken)
    {
        try
        {
            var list = await connection.Client.CoreV1.ListNamespacedPodAsync(podNamespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
            return [.. list.Items.Where(p => p.Metadata.DeletionTimestamp is null).OrderBy(p => p.Metadata.CreationTimestamp).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is HttpRequestException || ex.InnerException is HttpRequestException)
        {
            throw connection.Unreachable(ex);
        }
    }

    /// <summary>
    /// Streams the logs of <paramref name="pods"/> (and, with a selector and <paramref name="follow"/>, of pods that
    /// appear later) to <paramref name="emit"/>, which is called from one pod's task at a time per pod.
    /// </summary>
    public static async Task StreamAsync(
        KubeConnection connection,
        string podNamespace,
        IReadOnlyList<string> pods,
        string? labelSelector,
        string? container,
        bool follow,
        int? tailLines,
        long? sinceSeconds,
        Func<KubeLogLine, ValueTask> emit,
        CancellationToken cancellationToken)
    {
        var followers = new ConcurrentDictionary<string, Task>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            followers[pod] = PodAsync(connection, podNamespace, pod, container, follow, tailLines, sinceSeconds, emit, cancellationToken);
        }

        if (!follow || string.IsNullOrEmpty(labelSelector))
        {
            await Task.WhenAll(followers.Values).ConfigureAwait(false);
            return;
        }

        // Pods that join later are followed from their start.
        using var timer = new PeriodicTimer(PodRescan);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                IReadOnlyList<V1Pod> current;
                try
                {
                    current = await ListPodsAsync(connection, podNamespace, labelSelector, cancellationToken).ConfigureAwait(false);
                }
                catch (KubeConnectionException)
                {
                    continue;
                }

                foreach (var pod in current)
                {
                    var name = pod.Metadata.Name;
                    if (!followers.ContainsKey(name) && pod.Status?.ContainerStatuses?.Any(s => s.State?.Running is not null || s.State?.Terminated is not null) == true)
                    {
                        followers[name] = PodAsync(connection, podNamespace, name, container, follow, null, null, emit, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(followers.Values).ConfigureAwait(false);
    }

    private static async Task PodAsync(
        KubeConnection connection,
        string podNamespace,
        string pod,
        string? container,
        bool follow,
        int? tailLines,
        long? sinceSeconds,
        Func<KubeLogLine, ValueTask> emit,
        CancellationToken cancellationToken)
    {
        DateTimeOffset? last = null;
        var first = true;
        var backoff = TimeSpan.FromMilliseconds(100);
        try
        {
            var name = string.IsNullOrEmpty(container) ? await DefaultContainerAsync(connection, podNamespace, pod, cancellationToken).ConfigureAwait(false) : container;
            while (!cancellationToken.IsCancellationRequested)
            {
                var emitted = false;
                try
                {
                    using var stream = await connection.Client.CoreV1.ReadNamespacedPodLogAsync(
                        pod,
                        podNamespace,
                        container: name,
                        follow: follow,
                        tailLines: first ? tailLines : null,
                        sinceSeconds: first && sinceSeconds > 0 ? (int)sinceSeconds : null,
                        timestamps: true,
                        cancellationToken: cancellationToken).ConfigureAwait(false);
                    using var reader = new StreamReader(stream, Encoding.UTF8);
                    while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } raw)
                    {
                        var (time, text, parsed) = Split(raw);
                        if (!first && last is { } seen && parsed is { } at && at <= seen)
                        {
                            continue;
                        }

                        last = parsed ?? last;
                        emitted = true;
                        await emit(new KubeLogLine(pod, name, time, text)).ConfigureAwait(false);
                    }
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    return;
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.BadRequest && follow)
                {
                    // Waiting to start: try again below.
                }
                catch (Exception ex) when (follow && ex is IOException or HttpRequestException || ex.InnerException is HttpRequestException)
                {
                    // Dropped stream or API server away: reopen below.
                }

                first = false;
                if (!follow)
                {
                    return;
                }

                // The container ended (restart) or the stream dropped: reopen the current run, backing off while nothing new comes.
                backoff = emitted ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                if (!await ExistsAsync(connection, podNamespace, pod, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> ExistsAsync(KubeConnection connection, string podNamespace, string pod, CancellationToken cancellationToken)
    {
        try
        {
            var found = await connection.Client.CoreV1.ReadNamespacedPodAsync(pod, podNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return found.Metadata.DeletionTimestamp is null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException || ex.InnerException is HttpRequestException)
        {
            return true;
        }
    }

    private static async Task<string> DefaultContainerAsync(KubeConnection connection, string podNamespace, string pod, CancellationToken cancellationToken)
    {
        var spec = (await connection.Client.CoreV1.ReadNamespacedPodAsync(pod, podNamespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Spec;
        return spec.Containers.FirstOrDefault(c => c.Name != PodPicker.SidecarContainerName)?.Name ?? spec.Containers[0].Name;
    }

    /// <summary>Splits "TIMESTAMP text" (timestamps=true); a line without a parseable timestamp keeps its text whole.</summary>
    public static (string Time, string Text, DateTimeOffset? Parsed) Split(string raw)
    {
        var space = raw.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && TryParseTime(raw.AsSpan(0, space), out var parsed))
        {
            return (raw[..space], raw[(space + 1)..], parsed);
        }

        return (string.Empty, raw, null);
    }

    /// <summary>RFC 3339 with up to nine fractional digits (DateTimeOffset takes seven).</summary>
    public static bool TryParseTime(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        var value = text.ToString();
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < value.Length && char.IsAsciiDigit(value[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                value = value[..(dot + 8)] + value[end..];
            }
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time) && value.Contains('T', StringComparison.Ordinal);
    }
}
