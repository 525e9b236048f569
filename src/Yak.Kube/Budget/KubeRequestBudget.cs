using System.Net;

namespace Yak.Kube.Budget;

/// <summary>
/// Keeps yakd within its API budget on every HTTP request to a cluster (lists, gets, applies, the start of each
/// watch): waits for a token of the client-side bucket, and when the server still answers 429 TooManyRequests — its
/// priority and fairness refusing a request it did not process — tries again after <c>Retry-After</c> (with jitter,
/// so many clients do not come back at once), up to <see cref="KubeRequestLimits.MaxRetries"/> times.
/// </summary>
public sealed class KubeRequestBudget : DelegatingHandler
{
    private readonly KubeRequestLimits limits;
    private readonly TimeProvider time;
    private readonly RequestBucket bucket;
    private long throttled;

    public KubeRequestBudget(KubeRequestLimits limits, TimeProvider? time = null)
    {
        this.limits = limits;
        this.time = time ?? TimeProvider.System;
        bucket = new RequestBucket(limits.RequestsPerSecond, limits.Burst, this.time);
    }

    /// <summary>429 answers seen (each retried or, after the last try, handed to the caller).</summary>
    public long Throttled => Interlocked.Read(ref throttled);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // A body is sent once per try: keep its bytes (manifests are small) so a refused apply can be sent again.
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            if (bucket.Reserve() is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            // The first try sends the caller's request (its content is buffered now); later tries send copies.
            using var sent = attempt == 0 ? null : Copy(request, body);
            var response = await base.SendAsync(sent ?? request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            Interlocked.Increment(ref throttled);
            if (attempt >= limits.MaxRetries)
            {
                return response;
            }

            var delay = RetryDelay(response, attempt);
            response.Dispose();
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The server's Retry-After (seconds or a date), else an exponential back-off; jittered by up to a fifth, capped.</summary>
    private TimeSpan RetryDelay(HttpResponseMessage response, int attempt)
    {
        var retryAfter = response.Headers.RetryAfter;
        var said = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - time.GetUtcNow() : null);
        var basis = said is { } s && s > TimeSpan.Zero ? s : TimeSpan.FromMilliseconds(250 * Math.Pow(2, Math.Min(attempt, 8)));
        var jittered = basis * (1 + (Random.Shared.NextDouble() * 0.2));
        return jittered < limits.MaxRetryDelay ? jittered : limits.MaxRetryDelay;
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        if (body is not null)
        {
            copy.Content = Content(request.Content!, body);
        }

        return copy;
    }

    private static ByteArrayContent Content(HttpContent original, byte[] body)
    {
        var content = new ByteArrayContent(body);
        foreach (var header in original.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return content;
    }
}
