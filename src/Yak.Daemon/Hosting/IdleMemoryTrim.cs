using System.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Yak.Daemon.Events;

namespace Yak.Daemon.Hosting;

/// <summary>
/// Gives memory back once yakd goes quiet, in two steps. When no event has been published for <see cref="Quiet"/>
/// after activity, one aggressive, compacting collection decommits what a first sync or a rescan left as GC budget and
/// free regions. When it stays quiet until <see cref="Settled"/>, the <see cref="IIdleMemoryHolder"/>s let go of what
/// only activity needs (idle sync sessions park their models on disk) and a second collection gives that back too.
/// Idle is free: the timer is one-shot, re-armed only by activity and by the first step, so an idle daemon is never
/// woken again.
/// </summary>
internal sealed class IdleMemoryTrim(EventHub hub, TimeProvider time, IServiceProvider services) : IHostedService, IDisposable
{
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Long enough that a pause in editing keeps the models in memory (reloading them costs the next save a few ms
    /// per 10k files), short enough that a daemon left alone is small within a minute.
    /// </summary>
    public static readonly TimeSpan Settled = TimeSpan.FromSeconds(30);

    /// <summary>How long the holders may take to let go (a session in a pass answers at once, and is not parked).</summary>
    private static readonly TimeSpan ReleaseBound = TimeSpan.FromSeconds(10);

    private readonly object gate = new();
    private ITimer? timer;
    private Step next = Step.Trim;

    private enum Step
    {
        Trim,
        ReleaseAndTrim,
        None,
    }

    /// <summary>Collections done (for tests and stats).</summary>
    public int Trims => trims;

    private int trims;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        timer = time.CreateTimer(_ => _ = FireAsync(), null, Quiet, Timeout.InfiniteTimeSpan);
        hub.Published += OnActivity;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        hub.Published -= OnActivity;
        lock (gate)
        {
            next = Step.None;
            timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            timer?.Dispose();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => timer?.Dispose();

    private void OnActivity()
    {
        lock (gate)
        {
            next = Step.Trim;
            timer?.Change(Quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task FireAsync()
    {
        Step step;
        lock (gate)
        {
            step = next;
            next = step == Step.Trim ? Step.ReleaseAndTrim : Step.None;
            if (step == Step.Trim)
            {
                timer?.Change(Settled - Quiet, Timeout.InfiniteTimeSpan);
            }
        }

        if (step == Step.ReleaseAndTrim)
        {
            await ReleaseAsync().ConfigureAwait(false);
        }

        if (step != Step.None)
        {
            Trim();
        }
    }

    private async Task ReleaseAsync()
    {
        using var bound = new CancellationTokenSource(ReleaseBound); // a bound on real time, not part of the schedule
        try
        {
            await Task.WhenAll(services.GetServices<IIdleMemoryHolder>().Select(h => h.ReleaseIdleMemoryAsync(bound.Token))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Too slow, or yakd is stopping: what was let go in time is collected all the same.
        }
    }

    private void Trim()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interlocked.Increment(ref trims);
    }
}
