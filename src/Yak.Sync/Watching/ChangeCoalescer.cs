namespace Yak.Sync.Watching;

/// <summary>
/// Collects changed paths and hands them over once the tree has been quiet for <c>quiet</c> (tens of ms), or at the
/// latest <c>maxDelay</c> after the first change of a batch, so a long burst (a checkout, npm install) still streams.
/// </summary>
public sealed class ChangeCoalescer : IDisposable
{
    private readonly TimeSpan quiet;
    private readonly TimeSpan maxDelay;
    private readonly Action<IReadOnlyCollection<string>> deliver;
    private readonly Action? started;
    private readonly TimeProvider time;
    private readonly ITimer timer;
    private readonly object gate = new();
    private HashSet<string> batch = new(StringComparer.Ordinal);
    private long batchStarted;

    /// <param name="started">Runs on the first change of each batch, before the wait: work the batch will need can start
    /// while it gathers (outside the coalescer's lock, on the watcher's thread: keep it short).</param>
    public ChangeCoalescer(TimeSpan quiet, TimeSpan maxDelay, Action<IReadOnlyCollection<string>> deliver, TimeProvider? time = null, Action? started = null)
    {
        this.quiet = quiet;
        this.maxDelay = maxDelay;
        this.deliver = deliver;
        this.started = started;
        this.time = time ?? TimeProvider.System;
        timer = this.time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Add(string relativePath)
    {
        bool first;
        lock (gate)
        {
            first = batch.Count == 0;
            if (first)
            {
                batchStarted = time.GetTimestamp();
            }

            batch.Add(relativePath);
            var waited = time.GetElapsedTime(batchStarted);
            timer.Change(waited >= maxDelay ? TimeSpan.Zero : quiet, Timeout.InfiniteTimeSpan);
        }

        if (first)
        {
            started?.Invoke();
        }
    }

    private void Fire()
    {
        ChangeBatch ready;
        lock (gate)
        {
            if (batch.Count == 0)
            {
                return;
            }

            ready = new ChangeBatch(batch, batchStarted);
            batch = new HashSet<string>(StringComparer.Ordinal);
        }

        deliver(ready);
    }

    public void Dispose() => timer.Dispose();
}
