using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Faults;

/// <summary>Reads the faults API's link and throttle bodies, every number bounded.</summary>
internal static class LinkRequest
{
    private const long MaxBitsPerSecond = 100_000_000_000;
    private const double MaxMilliseconds = 60_000;

    /// <summary><c>{"bandwidthBitsPerSecond":50000000,"latencyMilliseconds":30,"jitterMilliseconds":5}</c>, or null when out of range.</summary>
    public static LinkProfile? Parse(JsonObject body) => Problem(body).Length > 0
        ? null
        : new LinkProfile(
            (long)Number(body, "bandwidthBitsPerSecond")!.Value,
            TimeSpan.FromMilliseconds(Number(body, "latencyMilliseconds") ?? 0),
            TimeSpan.FromMilliseconds(Number(body, "jitterMilliseconds") ?? 0));

    /// <summary>What is wrong with a link body, naming the field; empty when it is fine.</summary>
    public static string Problem(JsonObject body)
    {
        var bandwidth = Number(body, "bandwidthBitsPerSecond");
        var latency = Number(body, "latencyMilliseconds") ?? 0;
        var jitter = Number(body, "jitterMilliseconds") ?? 0;
        if (bandwidth is not { } bits || bits < 1000 || bits > MaxBitsPerSecond)
        {
            return $"\"bandwidthBitsPerSecond\" is required, from 1000 to {MaxBitsPerSecond} (e.g. 50000000 for 50 Mbit/s)";
        }

        if (latency is < 0 or > MaxMilliseconds || double.IsNaN(latency))
        {
            return $"\"latencyMilliseconds\" must be from 0 to {MaxMilliseconds}";
        }

        if (jitter < 0 || jitter > latency || double.IsNaN(jitter))
        {
            return "\"jitterMilliseconds\" must be from 0 to latencyMilliseconds (a delay is never negative)";
        }

        return "";
    }

    /// <summary>
    /// <c>{"requestsPerSecond":5,"burst":10,"share":0.2}</c> (a rate, a share, or both; without a rate only the share
    /// limits), or null when out of range.
    /// </summary>
    public static ThrottleLimits? ParseThrottle(JsonObject body)
    {
        var share = Number(body, "share") ?? 0;
        var rate = Number(body, "requestsPerSecond") ?? (share > 0 ? 1_000_000 : null);
        var burst = Number(body, "burst") ?? (body["requestsPerSecond"] is null ? 1_000_000 : 1);
        return rate is > 0 and <= 1_000_000 && burst is >= 1 and <= 1_000_000 && burst == Math.Floor(burst) && share is >= 0 and < 1
            ? new ThrottleLimits(rate.Value, (int)burst, share)
            : null;
    }

    private static double? Number(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}
