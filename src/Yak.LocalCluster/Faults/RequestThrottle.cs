using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Faults;

/// <summary>
/// Per-user request-rate limits, as API Priority and Fairness gives each flow its share: every user has a bucket of
/// <c>burst</c> requests refilled at <c>requestsPerSecond</c>; a request finding it empty is refused with 429 and a
/// Retry-After saying when the next one will be let in. Users are limited apart from each other, so one busy client
/// does not starve another.
/// </summary>
public sealed class RequestThrottle(TimeProvider time)
{
    // Bounded: only configured users can authenticate, but a cap keeps the table small whatever happens.
    private const int MaxUsers = 4096;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private ThrottleLimits? _limits;

    public ThrottleLimits? Limits
    {
        get => Volatile.Read(ref _limits);
        set
        {
            Volatile.Write(ref _limits, value);
            _buckets.Clear();
        }
    }

    /// <summary>Null when the request may go on, else how long until this user's next request would be admitted.</summary>
    public TimeSpan? Admit(string user)
    {
        if (Limits is not { } limits)
        {
            return null;
        }

        if (!_buckets.TryGetValue(user, out var bucket))
        {
            if (_buckets.Count >= MaxUsers)
            {
                _buckets.Clear();
            }

            bucket = _buckets.GetOrAdd(user, _ => new Bucket(limits.Burst, time.GetUtcNow()));
        }

        return bucket.Take(limits, time.GetUtcNow());
    }

    public JsonObject? Describe()
    {
        if (Limits is not { } limits)
        {
            return null;
        }

        var users = new JsonObject();
        foreach (var (name, bucket) in _buckets.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            users[name] = new JsonObject { ["admitted"] = bucket.Admitted, ["rejected"] = bucket.Rejected };
        }

        return new JsonObject { ["requestsPerSecond"] = limits.RequestsPerSecond, ["burst"] = limits.Burst, ["share"] = limits.Share, ["users"] = users };
    }

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        private readonly Lock _lock = new();
        private double _tokens = tokens;
        private DateTimeOffset _at = at;
        private double _refusalsOwed;

        public long Admitted { get; private set; }

        public long Rejected { get; private set; }

        public TimeSpan? Take(ThrottleLimits limits, DateTimeOffset now)
        {
            lock (_lock)
            {
                if (now > _at)
                {
                    _tokens = Math.Min(limits.Burst, _tokens + ((now - _at).TotalSeconds * limits.RequestsPerSecond));
                    _at = now;
                }

                _refusalsOwed += limits.Share;
                if (_refusalsOwed >= 1)
                {
                    _refusalsOwed -= 1;
                    Rejected++;
                    return TimeSpan.FromSeconds(1);
                }

                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    Admitted++;
                    return null;
                }

                Rejected++;
                return TimeSpan.FromSeconds((1 - _tokens) / limits.RequestsPerSecond);
            }
        }
    }
}

/// <summary>Each user's allowance: a sustained rate, how many requests may come at once, and a share refused anyway.</summary>
public sealed record ThrottleLimits(double RequestsPerSecond, int Burst, double Share = 0);
