using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yak.LocalCluster.Auth;

namespace Yak.LocalCluster.Api;

/// <summary>
/// Caps on what one user may hold open at once: watches, and pod streams (exec, attach, port-forward, logs). A request
/// over the cap is answered 429 <c>TooManyRequests</c> with <c>Retry-After</c>, as the apiserver answers when its
/// concurrency shares are used up; one user's leak cannot starve the others or the server.
/// </summary>
public sealed class ClientLimits(int maxWatchesPerUser, int maxStreamsPerUser)
{
    private readonly Dictionary<(string User, string Kind), int> _open = [];
    private readonly Lock _gate = new();

    public int MaxWatchesPerUser { get; } = maxWatchesPerUser;

    public int MaxStreamsPerUser { get; } = maxStreamsPerUser;

    /// <summary>Takes a watch slot for the request's user until disposed; throws 429 when the user holds the maximum.</summary>
    public static IDisposable? EnterWatch(HttpContext context) =>
        context.RequestServices.GetService<ClientLimits>() is { } limits ? limits.Enter(UserName(context), "watches", limits.MaxWatchesPerUser) : null;

    /// <summary>Takes a stream slot for the request's user until disposed; throws 429 when the user holds the maximum.</summary>
    public static IDisposable? EnterStream(HttpContext context) =>
        context.RequestServices.GetService<ClientLimits>() is { } limits ? limits.Enter(UserName(context), "streams", limits.MaxStreamsPerUser) : null;

    public int Open(string user, string kind)
    {
        lock (_gate)
        {
            return _open.GetValueOrDefault((user, kind));
        }
    }

    private Slot Enter(string user, string kind, int max)
    {
        lock (_gate)
        {
            var open = _open.GetValueOrDefault((user, kind));
            if (open >= max)
            {
                throw ApiException.TooManyRequests($"too many open {kind} for user \"{user}\" (at most {max}); close some and retry", 1);
            }

            _open[(user, kind)] = open + 1;
        }

        return new Slot(this, user, kind);
    }

    private void Leave(string user, string kind)
    {
        lock (_gate)
        {
            var left = _open[(user, kind)] - 1;
            if (left == 0)
            {
                _open.Remove((user, kind));
            }
            else
            {
                _open[(user, kind)] = left;
            }
        }
    }

    private static string UserName(HttpContext context) => (context.Items[typeof(ClusterUser)] as ClusterUser)?.Name ?? "";

    private sealed class Slot(ClientLimits limits, string user, string kind) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limits.Leave(user, kind);
            }
        }
    }
}
