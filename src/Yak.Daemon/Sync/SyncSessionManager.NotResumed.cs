using Yak.Protocol;
using Yak.Daemon.Events;
using Yak.Daemon.Logging;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Sync;

/// <summary>
/// A session whose definition could not be opened at start (its folder gone, an endpoint no longer valid) is not
/// skipped: it stays listed in error with the reason, an event says so, and terminating it removes it.
/// </summary>
internal sealed partial class SyncSessionManager
{
    private void NotResumed(SyncSessionDefinition definition, Exception failure)
    {
        var reason = failure.Message;
        var code = (failure is ArgumentException or NotSupportedException ? YakErrors.InvalidArgument : SyncErrorCodes.For(failure)).Code;
        lock (sessions)
        {
            notResumed[definition.Name] = (definition, reason, code);
        }

        Log.SyncSessionNotResumed(logger, definition.Name, reason);
        hub.Publish(EventKinds.SyncNotResumed, definition.Name, new NotResumedInfo { Name = definition.Name, Message = reason });
    }

    private static SyncSessionInfo NotResumedInfo(SyncSessionDefinition definition, string reason, string code) => new()
    {
        Name = definition.Name,
        LocalPath = definition.LocalPath,
        Endpoint = definition.Endpoint,
        Excludes = definition.Excludes,
        State = SyncSessionState.Error,
        LastError = $"not resumed when yakd started: {reason}",
        LastErrorCode = code,
        FilesSent = 0,
        BytesSentRaw = 0,
        BytesOnWire = 0,
        LinkCompressionLevel = null,
        FilesDeleted = 0,
        DeltasSent = 0,
        LastSyncLatencyMs = null,
        LastSyncAt = null,
        PendingChanges = 0,
        LocalEntries = 0,
        RemoteEntries = 0,
        Problems = 0,
        LastProblem = null,
        AgentVersion = null,
    };
}
