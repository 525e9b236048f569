namespace Yak.Protocol.Messages;

public sealed class StatusRequest
{
}

public sealed class StatusResponse
{
    public required int Pid { get; init; }

    public required string Version { get; init; }

    public required int ProtocolVersion { get; init; }

    /// <summary>Socket path (or pipe name on Windows) the daemon listens on.</summary>
    public required string Socket { get; init; }

    /// <summary>How the listener was obtained: <c>bound</c> by yakd, or <c>systemd</c> socket activation.</summary>
    public required string ListenMode { get; init; }

    public required string LogPath { get; init; }

    public required string StatePath { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double UptimeSeconds { get; init; }

    public required int ConnectedClients { get; init; }

    public required SessionCountsInfo Sessions { get; init; }
}

public sealed class SessionCountsInfo
{
    public required int Sync { get; init; }

    public required int Forwards { get; init; }

    public required int Environments { get; init; }
}

public sealed class ShutdownRequest
{
    /// <summary>Free-form reason, written to the daemon's log.</summary>
    public required string Reason { get; init; }
}

public sealed class ShutdownResponse
{
    public required int Pid { get; init; }
}
