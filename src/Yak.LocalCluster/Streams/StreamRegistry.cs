using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Yak.LocalCluster.Streams;

/// <summary>Every open exec, attach, port-forward and log stream, so a fault can drop them all at once.</summary>
public sealed class StreamRegistry
{
    private readonly ConcurrentDictionary<long, (HttpContext Context, CancellationTokenSource Cancel)> open = new();
    private long next;

    public int Count => open.Count;

    /// <summary>Registers a stream; its token fires when the request ends or the stream is dropped.</summary>
    public StreamLease Register(HttpContext context)
    {
        var id = Interlocked.Increment(ref next);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        open[id] = (context, cancel);
        return new StreamLease(this, id, cancel);
    }

    public int DropAll()
    {
        var dropped = 0;
        foreach (var (id, (context, cancel)) in open)
        {
            if (open.TryRemove(id, out _))
            {
                dropped++;
                try
                {
                    cancel.Cancel();
                    context.Abort();
                }
                catch (ObjectDisposedException)
                {
                    // The request ended while we were dropping it.
                }
            }
        }

        return dropped;
    }

    private void Remove(long id) => open.TryRemove(id, out _);

    public sealed class StreamLease(StreamRegistry registry, long id, CancellationTokenSource cancel) : IDisposable
    {
        public CancellationToken Token => cancel.Token;

        public void Dispose()
        {
            registry.Remove(id);
            cancel.Dispose();
        }
    }
}
