using System.Reflection;
using System.Text.Json;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Protocol;

/// <summary>
/// One kind of event: its topic, its <c>kind</c> string and the type of its <c>data</c>. Publishing and reading go
/// through these, so a payload is always the sealed DTO its kind promises (and docs/protocol.md lists them all).
/// </summary>
public sealed class EventKind<T>(string topic, string kind) : EventKind(topic, kind)
    where T : class
{
    public override Type DataType => typeof(T);

    public bool Matches(EventNotification notification) => notification.Topic == Topic && notification.Kind == Kind;

    /// <summary>The notification's data as <typeparamref name="T"/>, or null when the notification is of another kind.</summary>
    public T? Read(EventNotification notification) =>
        Matches(notification) ? notification.Data.Deserialize(YakJson.Options.Info<T>()) : null;
}

/// <summary>An event kind without its data type (what <see cref="EventKinds.All"/> lists).</summary>
public abstract class EventKind(string topic, string kind)
{
    public string Topic { get; } = topic;

    public string Kind { get; } = kind;

    public abstract Type DataType { get; }
}

/// <summary>Every event yakd publishes, by topic.</summary>
public static class EventKinds
{
    public static readonly EventKind<DaemonClientInfo> ClientConnected = new(EventTopics.Daemon, "clientConnected");
    public static readonly EventKind<DaemonClientInfo> ClientDisconnected = new(EventTopics.Daemon, "clientDisconnected");
    public static readonly EventKind<DaemonStoppingInfo> Stopping = new(EventTopics.Daemon, "stopping");

    public static readonly EventKind<SyncStateChangedInfo> SyncStateChanged = new(EventTopics.Sync, "stateChanged");
    public static readonly EventKind<SyncSyncedInfo> SyncSynced = new(EventTopics.Sync, "synced");
    public static readonly EventKind<SyncWarningInfo> SyncWarning = new(EventTopics.Sync, "warning");
    public static readonly EventKind<SyncReplicaDiskFullInfo> SyncReplicaDiskFull = new(EventTopics.Sync, "replicaDiskFull");
    public static readonly EventKind<SyncTerminatedInfo> SyncTerminated = new(EventTopics.Sync, "terminated");
    public static readonly EventKind<NotResumedInfo> SyncNotResumed = new(EventTopics.Sync, "notResumed");

    public static readonly EventKind<ForwardStateChangedInfo> ForwardStateChanged = new(EventTopics.Forward, "stateChanged");
    public static readonly EventKind<ForwardTargetChangedInfo> ForwardTargetChanged = new(EventTopics.Forward, "targetChanged");
    public static readonly EventKind<ForwardConnectionErrorInfo> ForwardConnectionError = new(EventTopics.Forward, "connectionError");
    public static readonly EventKind<ForwardRemovedInfo> ForwardRemoved = new(EventTopics.Forward, "removed");

    public static readonly EventKind<EnvApplyingInfo> EnvApplying = new(EventTopics.Environment, "applying");
    public static readonly EventKind<EnvAppliedInfo> EnvApplied = new(EventTopics.Environment, "applied");
    public static readonly EventKind<EnvProgressInfo> EnvProgress = new(EventTopics.Environment, "progress");
    public static readonly EventKind<EnvStuckInfo> EnvStuck = new(EventTopics.Environment, "stuck");
    public static readonly EventKind<EnvStateChangedInfo> EnvStateChanged = new(EventTopics.Environment, "stateChanged");
    public static readonly EventKind<EnvironmentInfo> EnvReady = new(EventTopics.Environment, "ready");
    public static readonly EventKind<EnvFailedInfo> EnvFailed = new(EventTopics.Environment, "failed");
    public static readonly EventKind<EnvDownInfo> EnvDown = new(EventTopics.Environment, "down");
    public static readonly EventKind<EnvSyncStartedInfo> EnvSyncStarted = new(EventTopics.Environment, "syncStarted");
    public static readonly EventKind<EnvInitialSyncDoneInfo> EnvInitialSyncDone = new(EventTopics.Environment, "initialSyncDone");
    public static readonly EventKind<NotResumedInfo> EnvNotResumed = new(EventTopics.Environment, "notResumed");
    public static readonly EventKind<EnvImageInfo> EnvImage = new(EventTopics.Environment, "image");
    public static readonly EventKind<EnvMovingInfo> EnvMoving = new(EventTopics.Environment, "moving");

    /// <summary>All of the above, in declaration order.</summary>
    public static IReadOnlyList<EventKind> All { get; } = [.. typeof(EventKinds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => typeof(EventKind).IsAssignableFrom(f.FieldType))
        .Select(f => (EventKind)f.GetValue(null)!)];
}
