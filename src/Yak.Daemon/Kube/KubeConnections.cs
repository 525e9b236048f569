using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Yak.Kube;

namespace Yak.Daemon.Kube;

/// <summary>One KubernetesClient per (kubeconfig, context), shared by every session and forward on that cluster.</summary>
internal sealed class KubeConnections : IDisposable
{
    private readonly ConcurrentDictionary<KubeTarget, Lazy<KubeConnection>> connections = new();

    /// <summary>After a sleep every watch lists afresh at once (a watch that died without a word would wait for its silence deadline).</summary>
    public KubeConnections(WakeDetector wake, ILogger<KubeConnections> logger)
    {
        wake.Woke += woke =>
        {
            logger.LogInformation("yakd did not run for {Seconds:0.0} s (a sleep): every watch lists afresh", woke.Gap.TotalSeconds);
            foreach (var connection in connections.Values.Where(l => l.IsValueCreated))
            {
                connection.Value.Informers.KickAll();
            }
        };
    }

    /// <summary>Empty strings mean yakd's defaults (KUBECONFIG or ~/.kube/config, its current context).</summary>
    public KubeConnection Get(string kubeconfig, string context)
    {
        var target = new KubeTarget(kubeconfig.Length == 0 ? null : kubeconfig, context.Length == 0 ? null : context);
        var lazy = connections.GetOrAdd(target, t => new Lazy<KubeConnection>(() => KubeClientFactory.Create(t)));
        try
        {
            return lazy.Value;
        }
        catch (KubeConnectionException)
        {
            // A broken kubeconfig may be fixed later: do not cache the failure.
            connections.TryRemove(new KeyValuePair<KubeTarget, Lazy<KubeConnection>>(target, lazy));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var connection in connections.Values.Where(l => l.IsValueCreated))
        {
            connection.Value.Dispose();
        }
    }
}
