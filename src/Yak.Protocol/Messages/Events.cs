using System.Text.Json;

namespace Yak.Protocol.Messages;

/// <summary>Topics a client can subscribe to. An empty list means every topic.</summary>
public static class EventTopics
{
    public const string Daemon = "daemon";
    public const string Sync = "sync";
    public const string Forward = "forward";
    public const string Environment = "environment";

    public static IReadOnlyList<string> All { get; } = [Daemon, Sync, Forward, Environment];
}

public sealed class SubscribeRequest
{
    public required IReadOnlyList<string> Topics { get; init; }
}

public sealed class SubscribeResponse
{
    public required IReadOnlyList<string> Topics { get; init; }
}

public sealed class UnsubscribeRequest
{
    public required IReadOnlyList<string> Topics { get; init; }
}

public sealed class UnsubscribeResponse
{
    public required IReadOnlyList<string> Topics { get; init; }
}

/// <summary>Pushed as <c>events/event</c> to connections subscribed to <see cref="Topic"/>.</summary>
public sealed class EventNotification
{
    public required string Topic { get; init; }

    /// <summary>What happened, e.g. <c>clientConnected</c>, <c>stateChanged</c>.</summary>
    public required string Kind { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>Name of the session, forward or environment concerned; empty for the daemon itself.</summary>
    public required string Subject { get; init; }

    public required JsonElement Data { get; init; }
}
