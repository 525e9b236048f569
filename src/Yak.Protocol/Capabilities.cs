namespace Yak.Protocol;

/// <summary>Feature flags exchanged in <c>daemon/hello</c>: a client uses a feature only when the daemon announced it.</summary>
public static class Capabilities
{
    /// <summary>State changes pushed as <c>events/event</c> notifications after <c>events/subscribe</c>.</summary>
    public const string Events = "events";

    /// <summary>
    /// Long operations report progress as <c>events/event</c> notifications (topic <c>environment</c>, kind
    /// <c>progress</c>): subscribe before calling <c>env/up</c>.
    /// </summary>
    public const string EnvironmentProgress = "environmentProgress";

    /// <summary>Port-forwards (<c>forward/*</c>).</summary>
    public const string Forwards = "forwards";

    /// <summary>Sync sessions (<c>sync/*</c>).</summary>
    public const string Sync = "sync";

    /// <summary>Byte streams (<c>exec/start</c>, <c>attach/start</c>, <c>logs/start</c>, then <c>streams/attach</c> on a side connection).</summary>
    public const string Streams = "streams";

    /// <summary><c>daemon/version</c>: the daemon's version, its agent builds and the agents of its sessions.</summary>
    public const string Version = "version";

    /// <summary><c>daemon/doctor</c>: the checks that need yakd's state (clusters, watches, disk, declared ports).</summary>
    public const string Doctor = "doctor";

    /// <summary><c>stats/waits</c>: the developer's waits yakd measured.</summary>
    public const string Stats = "stats";

    /// <summary><c>env/debug</c>: a service restarted under its debugger, the port forwarded, the attach configuration returned.</summary>
    public const string Debug = "debug";

    /// <summary><c>share/*</c>: sharing an environment with another user of its cluster, and connecting to one as a guest.</summary>
    public const string Sharing = "sharing";
}
