using Microsoft.Extensions.Logging;

namespace Yak.Daemon.Logging;

/// <summary>
/// Every daemon log message with a stable event id. Ids are never reused or repurposed: add new ones at the end
/// of their range (1xxx hosting, 2xxx ipc, 3xxx events, 4xxx sync, 5xxx configuration; 6xxx forwards and 7xxx telemetry in their folders).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "yakd {Version} (pid {Pid}) listening on {Socket} ({ListenMode}); state in {StateDirectory}")]
    public static partial void DaemonStarted(ILogger logger, string version, int pid, string socket, string listenMode, string stateDirectory);

    [LoggerMessage(1001, LogLevel.Information, "yakd stopping: {Reason}")]
    public static partial void DaemonStopping(ILogger logger, string reason);

    [LoggerMessage(1002, LogLevel.Warning, "Replaced a stale socket left by a daemon that is gone: {Socket}")]
    public static partial void StaleSocketReplaced(ILogger logger, string socket);

    [LoggerMessage(1003, LogLevel.Information, "Using the listening socket handed over by systemd (LISTEN_FDS)")]
    public static partial void SocketActivated(ILogger logger);

    [LoggerMessage(1004, LogLevel.Warning, "{Count} {What} had not stopped when the shutdown timeout ran out; stopping without them (the next start resumes them from their last save)")]
    public static partial void StopCutShort(ILogger logger, int count, string what);

    [LoggerMessage(2000, LogLevel.Debug, "Client {ConnectionId} connected (uid {Uid})")]
    public static partial void ClientConnected(ILogger logger, int connectionId, uint? uid);

    [LoggerMessage(2001, LogLevel.Debug, "Client {ConnectionId} disconnected: {Reason}")]
    public static partial void ClientDisconnected(ILogger logger, int connectionId, string reason);

    [LoggerMessage(2002, LogLevel.Warning, "Refused a connection from uid {PeerUid}: only uid {OwnUid} may use this daemon")]
    public static partial void PeerRefused(ILogger logger, uint peerUid, uint ownUid);

    [LoggerMessage(2008, LogLevel.Warning, "Refused a connection whose peer uid the kernel did not report: only uid {OwnUid} may use this daemon")]
    public static partial void PeerUnidentified(ILogger logger, uint ownUid);

    [LoggerMessage(2009, LogLevel.Warning, "{Count} client connection(s) had not closed when the shutdown timeout ran out; stopping without them")]
    public static partial void ConnectionsNotClosed(ILogger logger, int count);

    [LoggerMessage(2003, LogLevel.Warning, "Client {ConnectionId} sent a malformed message and was disconnected: {Reason}")]
    public static partial void MalformedInput(ILogger logger, int connectionId, string reason);

    [LoggerMessage(2004, LogLevel.Error, "Accepting a connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(2005, LogLevel.Debug, "Client {ConnectionId} is {ClientName} {ClientVersion} (protocol {ProtocolVersion})")]
    public static partial void ClientHello(ILogger logger, int connectionId, string clientName, string clientVersion, int protocolVersion);

    [LoggerMessage(2006, LogLevel.Warning, "Client {ConnectionId} speaks protocol {ClientProtocol}; this daemon supports {Minimum}..{Current}")]
    public static partial void IncompatibleClient(ILogger logger, int connectionId, int clientProtocol, int minimum, int current);

    [LoggerMessage(2007, LogLevel.Information, "Shutdown requested by client {ConnectionId}: {Reason}")]
    public static partial void ShutdownRequested(ILogger logger, int connectionId, string reason);

    [LoggerMessage(4000, LogLevel.Information, "Sync session {Name} created: {LocalPath} → {Endpoint}")]
    public static partial void SyncSessionCreated(ILogger logger, string name, string localPath, string endpoint);

    [LoggerMessage(4001, LogLevel.Information, "Sync session {Name} resumed ({Endpoint})")]
    public static partial void SyncSessionResumed(ILogger logger, string name, string endpoint);

    [LoggerMessage(4002, LogLevel.Error, "Sync session {Name} could not be resumed: {Reason}")]
    public static partial void SyncSessionNotResumed(ILogger logger, string name, string reason);

    [LoggerMessage(4003, LogLevel.Information, "Sync session {Name} terminated")]
    public static partial void SyncSessionTerminated(ILogger logger, string name);

    [LoggerMessage(4004, LogLevel.Warning, "Sync session {Name}: {Message}")]
    public static partial void SyncSessionWarning(ILogger logger, string name, string message);

    [LoggerMessage(4005, LogLevel.Information, "sync[{Name}] {Line}")]
    public static partial void SyncSessionDiagnostic(ILogger logger, string name, string line);

    [LoggerMessage(4006, LogLevel.Error, "The sync session registry could not be read and was moved to {Path}: {Reason}")]
    public static partial void SyncRegistryUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(3000, LogLevel.Warning, "Client {ConnectionId} is not reading its events; dropped {Count} event(s)")]
    public static partial void EventsDropped(ILogger logger, int connectionId, int count);

    [LoggerMessage(5000, LogLevel.Error, "config.yaml is not usable (yakd keeps running; commands that need it report this until it is fixed): {Error}")]
    public static partial void ConfigInvalid(ILogger logger, string error);

    [LoggerMessage(5001, LogLevel.Warning, "Cannot watch {Path} for changes ({Error}); it is checked on every use instead")]
    public static partial void ConfigUnwatched(ILogger logger, string path, string error);
}
