using Yak.Protocol.Messages;
using Yak.Sync.Session;

namespace Yak.Daemon.Sync;

/// <summary>What the daemon persists about a session so it is resumed at the next start.</summary>
internal sealed record SyncSessionDefinition(string Name, string LocalPath, string Endpoint, IReadOnlyList<string> Excludes, bool Paused)
{
    /// <summary>For pod endpoints: which kubeconfig and context (empty: yakd's defaults).</summary>
    // Added after the first registries were written: a missing member reads as empty (compiled metadata would leave null).
    public string Kubeconfig { get; init => field = value ?? string.Empty; } = string.Empty;

    public string Context { get; init => field = value ?? string.Empty; } = string.Empty;
}

internal static class SyncStatusMapping
{
    public static SyncSessionState ToContract(this SyncState state) => state switch
    {
        SyncState.Connecting => SyncSessionState.Connecting,
        SyncState.Scanning => SyncSessionState.Scanning,
        SyncState.Syncing => SyncSessionState.Syncing,
        SyncState.Watching => SyncSessionState.Watching,
        SyncState.Paused => SyncSessionState.Paused,
        SyncState.Error => SyncSessionState.Error,
        _ => SyncSessionState.Stopped,
    };

    public static SyncSessionInfo ToInfo(this SyncStatus status, SyncSessionDefinition definition) => new()
    {
        Name = status.Name,
        LocalPath = status.LocalRoot,
        Endpoint = definition.Endpoint,
        Excludes = definition.Excludes,
        State = status.State.ToContract(),
        LastError = status.LastError,
        LastErrorCode = SyncErrorCodes.For(status)?.Code,
        FilesSent = status.FilesSent,
        BytesSentRaw = status.BytesSentRaw,
        BytesOnWire = status.BytesOnWire,
        LinkCompressionLevel = status.LinkCompressionLevel,
        FilesDeleted = status.FilesDeleted,
        DeltasSent = status.DeltasSent,
        LastSyncLatencyMs = status.LastSyncLatency?.TotalMilliseconds,
        LastSyncAt = status.LastSyncAt,
        PendingChanges = status.PendingChanges,
        LocalEntries = status.LocalEntries,
        RemoteEntries = status.RemoteEntries,
        Problems = status.Problems,
        LastProblem = status.LastProblem,
        AgentVersion = status.AgentVersion,
    };
}
