using System.Globalization;
using System.Text.RegularExpressions;
using k8s;

namespace Yak.Daemon.Telemetry;

/// <summary>
/// How long each service's image pulls took, from the kubelet's <c>Pulled</c> events: "Successfully pulled image "x"
/// in 1.234s (1.234s including waiting)". The node knows; yakd only reads what it reported.
/// </summary>
internal static partial class ImagePulls
{
    /// <summary>(service, start, end) of every pull reported for the given pods since <paramref name="since"/>.</summary>
    public static async Task<IReadOnlyList<(string Service, DateTimeOffset Start, DateTimeOffset End)>> ReadAsync(
        IKubernetes client, string ns, IReadOnlyDictionary<string, string> serviceByPod, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var events = await client.CoreV1.ListNamespacedEventAsync(ns, limit: 500, cancellationToken: cancellationToken).ConfigureAwait(false);
        var pulls = new List<(string, DateTimeOffset, DateTimeOffset)>();
        foreach (var e in events.Items.Where(e => e.Reason == "Pulled"))
        {
            var at = e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp;
            if (at is not { } when || e.InvolvedObject?.Name is not { } pod || !serviceByPod.TryGetValue(pod, out var service) || ParseDuration(e.Message) is not { } took)
            {
                continue;
            }

            var end = new DateTimeOffset(DateTime.SpecifyKind(when, DateTimeKind.Utc));
            if (end >= since)
            {
                pulls.Add((service, end - took, end));
            }
        }

        return pulls;
    }

    /// <summary>The pull's duration in a Pulled message, or null (e.g. "already present on machine").</summary>
    internal static TimeSpan? ParseDuration(string? message)
    {
        if (message is null || PulledIn().Match(message) is not { Success: true } match)
        {
            return null;
        }

        return GoDuration(match.Groups[1].Value);
    }

    /// <summary>A Go duration string (1h2m3.5s, 250ms, 12.3µs) as a TimeSpan, or null when it is not one.</summary>
    internal static TimeSpan? GoDuration(string text)
    {
        var parts = GoDurationPart().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != text)
        {
            return null;
        }

        double ms = 0;
        foreach (Match part in parts)
        {
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            ms += part.Groups[2].Value switch
            {
                "h" => value * 3_600_000,
                "m" => value * 60_000,
                "s" => value * 1000,
                "ms" => value,
                "us" or "µs" or "μs" => value / 1000,
                _ => value / 1_000_000,
            };
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    [GeneratedRegex("""^Successfully pulled image "[^"]*" in ([0-9][0-9a-zµμ.]*)""")]
    private static partial Regex PulledIn();

    [GeneratedRegex("([0-9]+(?:\\.[0-9]+)?)(h|ms|m|s|us|µs|μs|ns)")]
    private static partial Regex GoDurationPart();
}
