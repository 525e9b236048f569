namespace Yak.Protocol.Messages;

/// <summary>
/// <c>share/grant</c>: gives <see cref="Guest"/> (a user of the environment's cluster) access to the environment's
/// namespace, enforced by the cluster itself (a ServiceAccount, a Role, a bound token that expires), so it holds and
/// ends without the owner's yakd.
/// </summary>
public sealed class ShareGrantRequest
{
    /// <summary>The environment's name; empty means the one whose spec is <see cref="SpecPath"/>.</summary>
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    /// <summary>The guest's user name on the cluster (what <c>kubectl auth whoami</c> shows them).</summary>
    public required string Guest { get; init; }

    /// <summary>Status, logs and events only: no exec, attach or port-forward.</summary>
    public required bool ReadOnly { get; init; }

    /// <summary>Also let the guest read the namespace's Secrets.</summary>
    public required bool Secrets { get; init; }

    /// <summary>Seconds until the guest's access ends (at least 600, the TokenRequest API's minimum); 0: as long as the cluster allows (a year asked).</summary>
    public required long ExpiresSeconds { get; init; }
}

public sealed class ShareGrantResponse
{
    public required ShareInfo Share { get; init; }
}

/// <summary><c>share/revoke</c>: ends <see cref="Guest"/>'s access at once (their token stops working).</summary>
public sealed class ShareRevokeRequest
{
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    public required string Guest { get; init; }
}

public sealed class ShareRevokeResponse
{
    public required string Environment { get; init; }

    public required string Namespace { get; init; }

    public required string Guest { get; init; }

    /// <summary>False when there was no share with that guest.</summary>
    public required bool Revoked { get; init; }
}

/// <summary><c>share/list</c>: who has access to the environment, how much, until when.</summary>
public sealed class ShareListRequest
{
    public required string Name { get; init; }

    public required string SpecPath { get; init; }
}

public sealed class ShareListResponse
{
    public required string Environment { get; init; }

    public required string Namespace { get; init; }

    public required IReadOnlyList<ShareInfo> Shares { get; init; }
}

/// <summary>One guest's access to one environment.</summary>
public sealed class ShareInfo
{
    public required string Environment { get; init; }

    public required string Namespace { get; init; }

    /// <summary>The environment's owner (who can grant more).</summary>
    public required string Owner { get; init; }

    public required string Guest { get; init; }

    /// <summary><c>read-only</c> or <c>full</c>.</summary>
    public required string Access { get; init; }

    public required bool Secrets { get; init; }

    /// <summary>When the access ends, as the cluster enforces it; null when unknown.</summary>
    public required DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The end has passed: the cluster refuses the guest's token.</summary>
    public required bool Expired { get; init; }

    /// <summary>The ServiceAccount the guest acts as.</summary>
    public required string ServiceAccount { get; init; }
}

/// <summary>
/// <c>share/connect</c>: from the guest's yakd, takes up <see cref="Owner"/>'s environment <see cref="Environment"/> as
/// a guest environment (status, forwards, logs, shell, exec, test; sync only with <see cref="Sync"/>), acting with the
/// token the owner's share left for the guest.
/// </summary>
public sealed class ShareConnectRequest
{
    public required string Owner { get; init; }

    public required string Environment { get; init; }

    /// <summary>Also sync local folders into the owner's pods (changes what the owner runs).</summary>
    public required bool Sync { get; init; }

    /// <summary>Explicit kubeconfig of the guest's own user; empty means the configured clusters, else KUBECONFIG or ~/.kube/config.</summary>
    [OptionalMember]
    public required string Kubeconfig { get; init; }

    /// <summary>Context in <see cref="Kubeconfig"/>; empty means its current context.</summary>
    [OptionalMember]
    public required string Context { get; init; }

    /// <summary>A spec of the environment (the owner's yak.yaml, checked out) for forwards and sync; empty: status, logs, exec and shell only.</summary>
    [OptionalMember]
    public required string SpecPath { get; init; }
}

public sealed class ShareConnectResponse
{
    /// <summary>The name of the guest environment in this yakd (<c>OWNER/ENV</c>), used by status, logs, exec, shell and test.</summary>
    public required string Name { get; init; }

    public required ShareInfo Share { get; init; }

    public required IReadOnlyList<EnvironmentInfo> Environment { get; init; }

    /// <summary>E.g. that sync changes what the owner runs.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>
    /// With <c>Sync</c>: the guest's sync sessions into the owner's pods, one per mapping of the spec at
    /// <c>SpecPath</c> (they follow the pods, with the share's token). Empty without it: a connect without sync ends them.
    /// </summary>
    [OptionalMember]
    public required IReadOnlyList<string> SyncSessions { get; init; } = [];
}
