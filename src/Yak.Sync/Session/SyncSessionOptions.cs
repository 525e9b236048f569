using Yak.Sync.Ignore;

namespace Yak.Sync.Session;

/// <summary>Everything a session needs besides the way to reach the agent.</summary>
public sealed record SyncSessionOptions
{
    public required string Name { get; init; }

    public required string LocalRoot { get; init; }

    /// <summary>Where the session keeps its scan cache, the remote manifest and signatures (created if missing).</summary>
    public required string StateDirectory { get; init; }

    public IgnoreSettings Ignore { get; init; } = IgnoreSettings.Default;

    /// <summary>How long the tree must be quiet before a batch of changes is pushed.</summary>
    public TimeSpan QuietWindow { get; init; } = Watching.TreeWatcher.DefaultQuiet;

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public bool StartPaused { get; init; }

    /// <summary>The clock for pass latencies and sync times (tests may pass their own).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Receives diagnostic lines (connects, errors, warnings). Optional.</summary>
    public Action<string>? Log { get; init; }
}
