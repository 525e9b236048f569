namespace Yak.Sync.Session;

public sealed class SyncStateChangedEventArgs(SyncState previous, SyncState state, string? reason) : EventArgs
{
    public SyncState Previous { get; } = previous;

    public SyncState State { get; } = state;

    /// <summary>Why, for <see cref="SyncState.Error"/>.</summary>
    public string? Reason { get; } = reason;
}

public sealed class SyncedEventArgs(int changes, TimeSpan latency, bool full, TimeSpan? sinceChange = null) : EventArgs
{
    /// <summary>Operations applied by the agent in this pass.</summary>
    public int Changes { get; } = changes;

    /// <summary>From the moment the pass started (changes seen) until the agent acknowledged the last one.</summary>
    public TimeSpan Latency { get; } = latency;

    /// <summary>From the first change the watcher saw (before its debounce) until the agent acknowledged the last one: save → visible.</summary>
    public TimeSpan SinceChange { get; } = sinceChange ?? latency;

    /// <summary>True when the whole tree was compared (start, reconnect, flush), false for a watcher batch.</summary>
    public bool Full { get; } = full;
}
