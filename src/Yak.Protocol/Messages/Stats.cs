namespace Yak.Protocol.Messages;

/// <summary><c>stats/waits</c>: what yakd recorded of the developer's waits since <see cref="SinceSeconds"/> ago.</summary>
public sealed class WaitStatsRequest
{
    /// <summary>How far back to look; 0 means the default, 7 days.</summary>
    public required int SinceSeconds { get; init; }

    /// <summary>How many of the slowest operations to list; 0 means the default, 10 (at most 100).</summary>
    public required int Slowest { get; init; }
}

public sealed class WaitStatsResponse
{
    /// <summary>Start of the window the figures cover.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>One entry per kind of wait that happened in the window, most minutes waited first.</summary>
    public required IReadOnlyList<WaitKindInfo> Kinds { get; init; }

    /// <summary>The slowest operations in the window, slowest first, with their phases.</summary>
    public required IReadOnlyList<WaitRecordInfo> Slowest { get; init; }
}

public sealed class WaitKindInfo
{
    /// <summary>See <see cref="WaitKinds"/>.</summary>
    public required string Kind { get; init; }

    public required int Count { get; init; }

    public required double P50Ms { get; init; }

    public required double P90Ms { get; init; }

    public required double MaxMs { get; init; }

    /// <summary>Minutes waited per day of the window (the window starts at the first record when that is later).</summary>
    public required double MinutesPerDay { get; init; }
}

public sealed class WaitRecordInfo
{
    public required string Kind { get; init; }

    /// <summary>What was waited on: the environment, sync session or forward name.</summary>
    public required string Subject { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required double DurationMs { get; init; }

    /// <summary><c>ok</c>, <c>error</c>, <c>timeout</c> or <c>cancelled</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Where the time went, in the order the phases started (e.g. apply, rollout web, first sync web).</summary>
    public required IReadOnlyList<WaitPhaseInfo> Phases { get; init; }
}

public sealed class WaitPhaseInfo
{
    public required string Name { get; init; }

    /// <summary>Milliseconds after the operation started.</summary>
    public required double OffsetMs { get; init; }

    public required double DurationMs { get; init; }
}

/// <summary>The kinds of wait yakd measures (the <c>yak.wait.kind</c> attribute of its spans and metrics).</summary>
public static class WaitKinds
{
    /// <summary><c>env/up</c>: apply, image pulls, each service's rollout, first sync, ready.</summary>
    public const string Up = "up";

    /// <summary><c>env/update</c>.</summary>
    public const string Update = "update";

    /// <summary>yakd started → a resumed sync session connected again.</summary>
    public const string Reconnect = "reconnect";

    /// <summary><c>sync/flush</c>.</summary>
    public const string SyncFlush = "sync.flush";

    /// <summary>A saved change → visible in the replica (one sync pass).</summary>
    public const string SaveVisible = "sync.visible";

    /// <summary>A forward lost its pod → answering again.</summary>
    public const string ForwardReconnect = "forward.reconnect";

    /// <summary><c>share/connect</c>: the guest's token read, the owner's environment reached, its status read.</summary>
    public const string Connect = "connect";

    public static IReadOnlyList<string> All { get; } = [Up, Update, Reconnect, SyncFlush, SaveVisible, ForwardReconnect, Connect];
}
