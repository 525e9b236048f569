using System.Runtime;
using Microsoft.Extensions.Hosting;
using Yak.Daemon.Events;

namespace Yak.Daemon.Hosting;

/// <summary>
/// Gives memory back once yakd goes quiet: a first sync or a rescan allocates tens of MB that the GC keeps as budget
/// and free regions long after the daemon went idle on a laptop. When no event has been published for
/// <see cref="Quiet"/> after activity, one aggressive, compacting collection decommits what is free. Idle is free:
/// the timer is one-shot and re-armed only by activity, so an idle daemon is never woken.
/// </summary>
internal sealed class IdleMemoryTrim(EventHub hub, TimeProvider time) : IHostedService, IDisposable
{
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    private ITimer? timer;

    /// <summary>Collections done (for tests and stats).</summary>
    public int Trims { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        timer = time.CreateTimer(_ => Trim(), null, Quiet, Timeout.InfiniteTimeSpan);
        hub.Published += OnActivity;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        hub.Published -= OnActivity;
        timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => timer?.Dispose();

    private void OnActivity() => timer?.Change(Quiet, Timeout.InfiniteTimeSpan);

    private void Trim()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Trims++;
    }
}
