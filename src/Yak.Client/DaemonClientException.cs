namespace Yak.Client;

/// <summary>No daemon answered on the socket (and none was started).</summary>
public sealed class DaemonUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The daemon and this client cannot talk: their protocol versions do not overlap.</summary>
public sealed class IncompatibleDaemonException(string message) : Exception(message);

/// <summary>The daemon went away in the middle of a call or a stream (it stopped, crashed or was killed).</summary>
public sealed class DaemonConnectionLostException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The socket is not provably this user's daemon (its folder belongs to someone else or others may write it, or
/// another uid serves it): nothing was sent. An access refusal, so every caller reports it rather than starting a daemon.
/// </summary>
public sealed class UntrustedDaemonException(string message) : UnauthorizedAccessException(message);
