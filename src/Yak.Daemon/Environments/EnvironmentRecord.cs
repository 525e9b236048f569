using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>What the daemon persists about an environment, so it reconnects (without redeploying) after a restart.</summary>
internal sealed record EnvironmentRecord
{
    // The collections below came in later versions: a file from an older yakd lacks them, and the compiled JSON metadata
    // (StateJsonContext) sets a missing init-only member to null rather than leaving its initializer, so each init
    // turns null into empty.
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    public required string Namespace { get; init; }

    /// <summary>The cluster it was placed on; it stays there.</summary>
    public required string Cluster { get; init; }

    public required string Kubeconfig { get; init; }

    public required string Context { get; init; }

    public required string Server { get; init; }

    /// <summary>The state reached. Anything but <see cref="EnvironmentState.Down"/> is wanted up: its supervisor runs.</summary>
    public required EnvironmentState State { get; init; }

    public string? LastError { get; init; }

    /// <summary>The catalogue code of <see cref="LastError"/>.</summary>
    public string? LastErrorCode { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// An up or update asked for the spec to be applied and it was not yet: the supervisor applies it, also after a
    /// restart of yakd that interrupted it.
    /// </summary>
    public bool PendingApply { get; init; }

    /// <summary>Per service, the restart token of its last <c>update</c> (passed again on every apply).</summary>
    public Dictionary<string, string> RestartTokens { get; init => field = value ?? new(StringComparer.Ordinal); } = new(StringComparer.Ordinal);

    /// <summary>Per service, the image its last <c>update</c> fetched (passed on every apply while the spec names the same image).</summary>
    public Dictionary<string, Yak.Daemon.Images.ImagePin> Images { get; init => field = value ?? new(StringComparer.Ordinal); } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per stateful service, the zone its volumes' disks are in (read from their PersistentVolumes at <c>down</c>): its
    /// later pods are pinned there with node affinity.
    /// </summary>
    public Dictionary<string, string> VolumeZones { get; init => field = value ?? new(StringComparer.Ordinal); } = new(StringComparer.Ordinal);

    /// <summary>Services run under a debug profile (<c>yakctl debug</c>), passed on every apply until <c>--stop</c>.</summary>
    public Dictionary<string, Yak.Environments.Debug.DebugChoice> Debugging { get; init => field = value ?? new(StringComparer.Ordinal); } = new(StringComparer.Ordinal);

    /// <summary>The compose profiles of the last up (<c>--profile</c>): which services of the spec run.</summary>
    public List<string> Profiles { get; init => field = value ?? []; } = [];

    /// <summary>Which pod each sync mapping's session targets.</summary>
    public List<SyncBinding> Bindings { get; init => field = value ?? []; } = [];

    /// <summary>Pods (uids) whose initial sync is done and whose app was released.</summary>
    public List<string> ReleasedPods { get; init => field = value ?? []; } = [];
}

/// <summary>Mapping <paramref name="Index"/> of <paramref name="Service"/> is synced by <paramref name="Session"/> into pod <paramref name="PodName"/>.</summary>
internal sealed record SyncBinding(string Service, int Index, string Session, string PodName, string PodUid);
