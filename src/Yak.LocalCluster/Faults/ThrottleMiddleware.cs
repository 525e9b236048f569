using Microsoft.AspNetCore.Http;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Auth;

namespace Yak.LocalCluster.Faults;

/// <summary>
/// Answers 429 <c>TooManyRequests</c> with <c>Retry-After</c> when a user is over the rate set through the faults
/// API, as the API server's priority and fairness does; health probes and the faults API are exempt, and so are the
/// long-running requests other than watches (exec, attach, port-forward, logs, proxy), which the API server's priority
/// and fairness filter serves without counting them.
/// </summary>
public sealed class ThrottleMiddleware(RequestDelegate next, RequestThrottle throttle)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (throttle.Limits is null || path.StartsWithSegments(FaultMiddleware.AdminPrefix, StringComparison.Ordinal) ||
            path.Value is "/healthz" or "/readyz" or "/livez" || IsLongRunningStream(path.Value))
        {
            await next(context);
            return;
        }

        if (throttle.Admit(RequestGuard.UserOf(context).Name) is { } wait)
        {
            var seconds = (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 3600);
            await HttpJson.WriteError(context, ApiException.TooManyRequests("Too many requests, please try again later.", seconds));
            return;
        }

        await next(context);
    }

    /// <summary><c>…/pods/NAME/exec</c> and the other streaming subresources (kube-apiserver's long-running check).</summary>
    private static bool IsLongRunningStream(string? path)
    {
        if (path is null || !path.Contains("/pods/", StringComparison.Ordinal))
        {
            return false;
        }

        var last = path[(path.LastIndexOf('/') + 1)..];
        return last is "exec" or "attach" or "portforward" or "log" or "proxy";
    }
}
