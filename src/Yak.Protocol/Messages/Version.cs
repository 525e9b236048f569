namespace Yak.Protocol.Messages;

public sealed class VersionRequest
{
}

/// <summary>What <c>daemon/version</c> answers: this yakd, the agent builds it installs, and the agents it talks to.</summary>
public sealed class VersionResponse
{
    public required string Version { get; init; }

    public required int ProtocolVersion { get; init; }

    public required int MinimumProtocolVersion { get; init; }

    public required int Pid { get; init; }

    /// <summary>The yak-agent builds this yakd installs into sidecars, one per node platform.</summary>
    public required IReadOnlyList<AgentBuildInfo> AgentBuilds { get; init; }

    /// <summary>One entry per sync session of each environment (and per stand-alone pod session).</summary>
    public required IReadOnlyList<AgentRunInfo> Agents { get; init; }
}

public sealed class AgentBuildInfo
{
    /// <summary>e.g. <c>linux-amd64</c>.</summary>
    public required string Platform { get; init; }

    public required string Version { get; init; }

    public required string Sha256 { get; init; }

    public required long Size { get; init; }
}

public sealed class AgentRunInfo
{
    /// <summary>The environment the session belongs to; empty for a session created with <c>sync/create</c>.</summary>
    public required string Environment { get; init; }

    /// <summary>The environment's service; empty for a stand-alone session.</summary>
    public required string Service { get; init; }

    public required string Session { get; init; }

    /// <summary>Version the agent announced in its handshake; null until it first connected.</summary>
    public required string? AgentVersion { get; init; }

    /// <summary>True when <see cref="AgentVersion"/> is this yakd's version.</summary>
    public required bool Current { get; init; }

    public required SyncSessionState State { get; init; }
}
