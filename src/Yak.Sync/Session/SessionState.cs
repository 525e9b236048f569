namespace Yak.Sync.Session;

/// <summary>What one pass must do, taken from <see cref="SessionState"/> when the pass starts.</summary>
/// <param name="Full">Compare the whole tree (start, reconnect, resume, flush, root changed).</param>
/// <param name="Generation">Flushes up to this generation are answered by this pass if it is full and clean.</param>
/// <param name="Paths">Paths the watcher reported (relative, '/'-separated); ignored when <paramref name="Full"/>.</param>
/// <param name="DirtySince">The timestamp of the earliest change this pass carries (null when no watcher change is in it).</param>
internal readonly record struct PassWork(bool Full, long Generation, List<string> Paths, long? DirtySince = null);

/// <summary>What the loop should do next.</summary>
internal enum NextStep
{
    Idle,
    Work,
    Paused,
}

/// <summary>
/// A session's control state under one lock: the lifecycle state, pause/resume, the changes not pushed yet, the
/// flushes waiting for a full pass, and the warnings already raised. Every member may be called from any thread.
/// </summary>
internal sealed class SessionState(bool startPaused)
{
    private readonly object gate = new();
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private long? dirtySince;
    private readonly List<(TaskCompletionSource Done, long Generation)> flushes = [];
    private readonly HashSet<string> warned = new(StringComparer.Ordinal);
    private TaskCompletionSource resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool paused = startPaused;
    private bool fullPassNeeded = true;
    private long flushGeneration;
    private SyncState current = SyncState.Connecting;
    private string? lastError;
    private Exception? lastCause;

    public SyncState Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>The parts of the status this class owns, read together.</summary>
    public (SyncState State, string? LastError, Exception? LastCause, int PendingChanges) Observe()
    {
        lock (gate)
        {
            return (current, lastError, lastCause, dirty.Count);
        }
    }

    /// <returns>false when nothing changed (same state, and for errors the same reason).</returns>
    /// <param name="cause">What failed, for errors: the daemon maps it to a catalogue code.</param>
    public bool TryMoveTo(SyncState next, string? reason, Exception? cause, out SyncState previous)
    {
        lock (gate)
        {
            previous = current;
            if (previous == next && (next != SyncState.Error || reason == lastError))
            {
                return false;
            }

            current = next;
            if (next == SyncState.Error)
            {
                lastError = reason;
                lastCause = cause;
            }

            return true;
        }
    }

    /// <summary>Queues a flush, or answers at once why it cannot be queued.</summary>
    public Task EnqueueFlush(string name, CancellationToken stopping)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (paused)
            {
                return Task.FromException(new InvalidOperationException($"sync session '{name}' is paused"));
            }

            if (current == SyncState.Stopped || stopping.IsCancellationRequested)
            {
                return Task.FromException(new ObjectDisposedException(nameof(SyncSession)));
            }

            flushes.Add((done, ++flushGeneration));
        }

        return done.Task;
    }

    /// <summary>Fails every waiting flush (the session was stopped).</summary>
    public void FailFlushes(Exception reason)
    {
        lock (gate)
        {
            foreach (var (done, _) in flushes)
            {
                done.TrySetException(reason);
            }

            flushes.Clear();
        }
    }

    /// <returns>false when already paused.</returns>
    public bool Pause()
    {
        lock (gate)
        {
            if (paused)
            {
                return false;
            }

            paused = true;
            resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return true;
        }
    }

    /// <returns>false when not paused.</returns>
    public bool Resume()
    {
        lock (gate)
        {
            if (!paused)
            {
                return false;
            }

            paused = false;
            fullPassNeeded = true;

            // A resumed session starts afresh: an error from before the pause no longer describes it.
            lastError = null;
            lastCause = null;
            resumed.TrySetResult();
            return true;
        }
    }

    /// <summary>Completes when the session is not paused (at once if it is not).</summary>
    public Task WhenResumed()
    {
        lock (gate)
        {
            return paused ? resumed.Task : Task.CompletedTask;
        }
    }

    /// <summary>Lets a loop waiting for a resume go (the session is being disposed).</summary>
    public void ReleaseResumeWaiter()
    {
        lock (gate)
        {
            resumed.TrySetResult();
        }
    }

    /// <param name="seen">The timestamp at which the first of these changes was seen.</param>
    public void MarkDirty(IEnumerable<string> paths, long seen)
    {
        lock (gate)
        {
            dirty.UnionWith(paths);
            dirtySince = dirtySince is { } since ? Math.Min(since, seen) : seen;
        }
    }

    public void RequireFullPass()
    {
        lock (gate)
        {
            fullPassNeeded = true;
        }
    }

    public NextStep Next()
    {
        lock (gate)
        {
            if (paused)
            {
                return NextStep.Paused;
            }

            return dirty.Count > 0 || flushes.Count > 0 || fullPassNeeded ? NextStep.Work : NextStep.Idle;
        }
    }

    public PassWork TakeWork()
    {
        lock (gate)
        {
            var work = new PassWork(fullPassNeeded || flushes.Count > 0 || dirty.Contains(""), flushGeneration, [.. dirty], dirtySince);
            dirty.Clear();
            dirtySince = null;
            fullPassNeeded = false;
            return work;
        }
    }

    /// <summary>
    /// Records a finished pass: paths to retry become dirty again; a clean full pass answers the flushes it covers, a
    /// full pass with retries asks for another.
    /// </summary>
    /// <param name="refused">Why the pass could not finish (the replica's disk is full): the flushes it covers fail with it.</param>
    /// <returns>The flushes to complete (outside the lock).</returns>
    public List<TaskCompletionSource> CompletePass(PassWork work, PushResult result, Exception? refused = null)
    {
        List<TaskCompletionSource> done = [];
        lock (gate)
        {
            dirty.UnionWith(result.Retry);
            if (refused is not null)
            {
                foreach (var flush in flushes.Where(f => f.Generation <= work.Generation).ToList())
                {
                    flushes.Remove(flush);
                    flush.Done.TrySetException(refused); // continuations run asynchronously, not under this lock
                }

                fullPassNeeded = true;
            }
            else if (work.Full && result.Retry.Count == 0)
            {
                foreach (var flush in flushes.Where(f => f.Generation <= work.Generation).ToList())
                {
                    flushes.Remove(flush);
                    done.Add(flush.Done);
                }
            }
            else if (work.Full)
            {
                fullPassNeeded = true;
            }
        }

        return done;
    }

    /// <returns>true the first time this message is seen.</returns>
    public bool FirstWarning(string message)
    {
        lock (gate)
        {
            return warned.Add(message);
        }
    }
}
