using Microsoft.AspNetCore.Http;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Faults;

/// <summary>Applies injected faults to every request except the admin API itself.</summary>
public sealed class FaultMiddleware
{
    public const string AdminPrefix = "/local-cluster";

    private readonly RequestDelegate _next;
    private readonly FaultInjector _faults;

    public FaultMiddleware(RequestDelegate next, FaultInjector faults)
    {
        _next = next;
        _faults = faults;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(AdminPrefix, StringComparison.Ordinal))
        {
            await _next(context);
            return;
        }

        if (_faults.Unresponsive is { } window)
        {
            if (window.Refuse)
            {
                context.Abort();
                return;
            }

            var wait = window.Until - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        if (_faults.LatencyMilliseconds is > 0 and var latency)
        {
            try
            {
                await Task.Delay(latency, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (_faults.TakeFailure() is { } status)
        {
            var reason = status switch
            {
                429 => "TooManyRequests",
                500 => "InternalError",
                503 => "ServiceUnavailable",
                504 => "Timeout",
                404 => "NotFound",
                409 => "Conflict",
                _ => "InternalError",
            };
            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            await HttpJson.Write(context, status, ApiException.Status(status, reason, $"injected fault: {reason} ({status})"));
            return;
        }

        await _next(context);
    }
}
