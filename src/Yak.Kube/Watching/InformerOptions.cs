namespace Yak.Kube.Watching;

/// <summary>Deadlines and retry policy of an informer's list and watch.</summary>
public sealed record InformerOptions
{
    /// <summary>Deadline of each list request (watches themselves are long-lived).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Server-side timeout of one watch request; the watch then resumes from its resourceVersion.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry delay after a failure; doubles each time, with jitter.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap of the retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>A watch silent for longer than the server's timeout plus this is presumed dead (sleep, lost Wi-Fi) and replaced.</summary>
    public TimeSpan SilenceGrace { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What a subscriber receives: the whole current set, what changed since the previous update, and the API's health.</summary>
/// <param name="Items">Every object of the namespace and kind as last known.</param>
/// <param name="Changes">What changed since the update before (on subscribing: every item, as added).</param>
/// <param name="Synced">A list has succeeded at least once.</param>
/// <param name="Problem">Why the API is failing now (the items are then the last known), else null.</param>
/// <param name="Version">Increases with every update; a subscriber never sees an older one after a newer one.</param>
public sealed record InformerUpdate<T>(IReadOnlyList<T> Items, IReadOnlyList<ResourceChange<T>> Changes, bool Synced, string? Problem, long Version);
