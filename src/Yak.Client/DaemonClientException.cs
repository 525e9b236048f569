namespace Yak.Client;

/// <summary>No daemon answered on the socket (and none was started).</summary>
public sealed class DaemonUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The daemon and this client cannot talk: their protocol versions do not overlap.</summary>
public sealed class IncompatibleDaemonException(string message) : Exception(message);

/// <summary>
/// The daemon answered <see cref="Method"/>, but the answer does not read as this client's contract says (a member it
/// requires is missing or of another type): usually a yakd of another release still running after an upgrade.
/// </summary>
public sealed class DaemonAnswerUnreadableException(string method, string daemonVersion, Exception inner)
    : Exception($"yakd {daemonVersion} answered {method} in a form this client ({DaemonClient.ClientVersion}) cannot read: {inner.Message}", inner)
{
    public string Method { get; } = method;

    public string DaemonVersion { get; } = daemonVersion;
}

/// <summary>The daemon went away in the middle of a call or a stream (it stopped, crashed or was killed).</summary>
public sealed class DaemonConnectionLostException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The socket is not provably this user's daemon (its folder belongs to someone else or others may write it, or
/// another uid serves it): nothing was sent. An access refusal, so every caller reports it rather than starting a daemon.
/// </summary>
public sealed class UntrustedDaemonException(string message) : UnauthorizedAccessException(message);
