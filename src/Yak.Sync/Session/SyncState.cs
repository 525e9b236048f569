namespace Yak.Sync.Session;

public enum SyncState
{
    /// <summary>Starting or (re)opening the link to the agent.</summary>
    Connecting,

    /// <summary>Scanning the local tree and reading the agent's manifest.</summary>
    Scanning,

    /// <summary>Pushing differences.</summary>
    Syncing,

    /// <summary>In sync; waiting for local changes.</summary>
    Watching,

    Paused,

    /// <summary>The last attempt failed (see <see cref="SyncStatus.LastError"/>); retrying with backoff.</summary>
    Error,

    /// <summary>Disposed.</summary>
    Stopped,
}
