namespace Yak.Protocol.Messages;

/// <summary>
/// Moves an environment to another cluster of config.yaml: its sync sessions and forwards stop, its namespace is
/// deleted on the old cluster, and it comes up on the new one with the same spec and profiles (sync and forwards start
/// again there). The data of StatefulSet volumes does not follow: a move of an environment that has some is refused
/// (YAK1211, naming each volume and its zone) unless <see cref="DiscardVolumes"/>.
/// </summary>
public sealed class EnvMoveRequest
{
    /// <summary>The environment's name; empty means the one whose spec is <see cref="SpecPath"/>.</summary>
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    /// <summary>A cluster named in <c>$XDG_CONFIG_HOME/yak/config.yaml</c>, other than the one it is on.</summary>
    public required string Cluster { get; init; }

    /// <summary>Move although the environment has volumes: they are deleted with its namespace on the old cluster.</summary>
    public required bool DiscardVolumes { get; init; }

    /// <summary>Give up waiting for the rollout on the new cluster after this many seconds (0: the daemon's default, 300).</summary>
    public required int TimeoutSeconds { get; init; }
}

public sealed class EnvMoveResponse
{
    /// <summary>The environment on its new cluster.</summary>
    public required EnvironmentInfo Environment { get; init; }

    /// <summary>The cluster it left.</summary>
    public required string From { get; init; }

    /// <summary>The volumes deleted with the namespace on <see cref="From"/> (empty when it had none).</summary>
    public required IReadOnlyList<MovedVolumeInfo> DiscardedVolumes { get; init; }

    /// <summary>Spec warnings of the up on the new cluster.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>A StatefulSet volume (a PersistentVolumeClaim) that a move leaves behind.</summary>
public sealed class MovedVolumeInfo
{
    /// <summary>The claim's name, e.g. <c>data-store-0</c>.</summary>
    public required string Claim { get; init; }

    /// <summary>The service whose StatefulSet made it.</summary>
    public required string Service { get; init; }

    /// <summary>The size it asked for (e.g. <c>1Gi</c>), or null when it says none.</summary>
    public required string? Size { get; init; }

    /// <summary>The zone its disk is in (from its PersistentVolume), or null when it is not known.</summary>
    public required string? Zone { get; init; }
}

/// <summary><c>environment</c> moving: a step of <c>env/move</c>.</summary>
public sealed class EnvMovingInfo
{
    public required string Name { get; init; }

    public required string From { get; init; }

    public required string To { get; init; }

    public required MoveStep Step { get; init; }

    /// <summary>What the step does, as a line for people.</summary>
    public required string Message { get; init; }
}

/// <summary>The steps of a move, in order.</summary>
public enum MoveStep
{
    /// <summary>Sync sessions and forwards stop; the namespace on the old cluster is deleted.</summary>
    Leaving,

    /// <summary>The environment is applied on the new cluster; its progress follows as the up's own events.</summary>
    Deploying,
}
