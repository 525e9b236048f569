namespace Yak.Daemon.Ipc;

/// <summary>Where clients come from: a Unix socket on Linux and macOS, a named pipe on Windows.</summary>
internal interface IConnectionListener : IAsyncDisposable
{
    /// <summary>Socket path or pipe name, as shown by <c>daemon/status</c>.</summary>
    string Address { get; }

    /// <summary><c>bound</c> when yakd created the listener, <c>systemd</c> when it was handed over.</summary>
    string Mode { get; }

    /// <summary>Waits for the next client that passed the identity check.</summary>
    Task<AcceptedConnection> AcceptAsync(CancellationToken cancellationToken);
}

/// <summary>A client stream and the uid the kernel reported for it (null where the platform cannot tell).</summary>
internal sealed record AcceptedConnection(Stream Stream, uint? PeerUid);
