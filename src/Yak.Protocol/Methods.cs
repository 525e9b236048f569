namespace Yak.Protocol;

/// <summary>JSON-RPC method names, <c>area/verb</c>. Names are the contract: never rename, only add.</summary>
public static class Methods
{
    public const string DaemonHello = "daemon/hello";
    public const string DaemonStatus = "daemon/status";
    public const string DaemonShutdown = "daemon/shutdown";
    public const string DaemonVersion = "daemon/version";
    public const string DaemonDoctor = "daemon/doctor";

    public const string SyncCreate = "sync/create";
    public const string SyncList = "sync/list";
    public const string SyncStatus = "sync/status";
    public const string SyncFlush = "sync/flush";
    public const string SyncPause = "sync/pause";
    public const string SyncResume = "sync/resume";
    public const string SyncTerminate = "sync/terminate";

    public const string ForwardAdd = "forward/add";
    public const string ForwardList = "forward/list";
    public const string ForwardRemove = "forward/remove";
    public const string ForwardPause = "forward/pause";
    public const string ForwardResume = "forward/resume";

    public const string EventsSubscribe = "events/subscribe";
    public const string EventsUnsubscribe = "events/unsubscribe";

    /// <summary>Notification sent by the daemon to subscribed clients; params are an <see cref="Messages.EventNotification"/>.</summary>
    public const string EventsEvent = "events/event";

    public const string EnvUp = "env/up";
    public const string EnvDown = "env/down";
    public const string EnvStatus = "env/status";
    public const string EnvUpdate = "env/update";
    public const string EnvList = "env/list";
    public const string EnvDebug = "env/debug";
    public const string EnvMove = "env/move";

    public const string ExecStart = "exec/start";
    public const string AttachStart = "attach/start";
    public const string LogsStart = "logs/start";
    public const string StreamsAttach = "streams/attach";

    public const string StatsWaits = "stats/waits";

    public const string ShareGrant = "share/grant";
    public const string ShareRevoke = "share/revoke";
    public const string ShareList = "share/list";
    public const string ShareConnect = "share/connect";
}
