namespace Yak.Protocol.Errors;

/// <summary>
/// The catalogue: every error yak prints has its code here, and every code has its page under docs/errors/
/// (tests/Yak.Protocol.Tests/ErrorCatalogueTests.cs holds the two together). Codes are stable: never renumber one or
/// give it a new meaning; retire a code by leaving its number unused. Ranges: 1000 yakd and yakctl, 1100 requests
/// and specs, 1200 clusters, 2000 rollouts, 3000 sync, 4000 forwards, 5000 this machine.
/// </summary>
public static class YakErrors
{
    public static readonly YakError DaemonUnavailable = new(1001, "yakd is not running and could not be started",
        "'yakctl daemon run' starts yakd in the foreground and shows why it does not start.");

    public static readonly YakError IncompatibleProtocol = new(1002, "yakctl and yakd speak incompatible protocol versions",
        "install matching versions of yakctl and yakd, then 'yakctl daemon restart'.");

    public static readonly YakError DaemonConnectionLost = new(1003, "yakd stopped before the command finished",
        "'yakctl daemon logs' shows why it stopped; run the command again (what yakd was doing resumes).");

    public static readonly YakError UntrustedSocket = new(1004, "the socket is not provably this user's yakd",
        "make the socket's folder yours and private ('chmod 700' on the folder the message names), then retry.");

    public static readonly YakError HandshakeRequired = new(1005, "a client called yakd before the handshake",
        "the client must call daemon/hello first (docs/protocol.md); report it to the client's authors.");

    public static readonly YakError ShuttingDown = new(1006, "yakd is shutting down",
        "run the command again: the next yakctl command starts yakd, and its sessions resume.");

    public static readonly YakError VersionMismatch = new(1007, "the running yakd is not the installed version",
        "'yakctl daemon restart' replaces the running yakd with the installed one, keeping its sessions.");

    public static readonly YakError StatePermissions = new(1008, "a yak folder or file is open to other users",
        "'chmod 700' the folder (or 'chmod 600' the file) the message names; yak creates them private.");

    public static readonly YakError DaemonStopTimeout = new(1009, "yakd did not stop in time",
        "'yakctl daemon logs' shows what it was doing; 'kill PID' ends it (its sessions resume at the next start).");

    public static readonly YakError AutostartFailed = new(1010, "yakd's autostart could not be installed",
        "run the failing systemctl/launchctl command the message shows; without autostart, yakctl starts yakd on demand.");

    public static readonly YakError NoDaemonLog = new(1011, "yakd has no log yet",
        "yakd has not run as this user: 'yakctl daemon start' starts it, 'yakctl daemon run' shows its log in the terminal.");

    public static readonly YakError DaemonAlreadyRunning = new(1012, "yakd is already running for this user",
        "'yakctl daemon status' reaches the running yakd; 'yakctl daemon stop' stops it before starting another.");

    public static readonly YakError DaemonStartFailed = new(1013, "yakd could not start",
        "the message names what failed (a folder, the socket); 'yakctl daemon run' starts yakd in the terminal and shows its log.");

    public static readonly YakError Unexpected = new(1099, "an unexpected failure (a bug in yak)",
        "run again with YAK_DEBUG=1 and report the message and trace.");

    public static readonly YakError Usage = new(1101, "the command line is not valid",
        "'yakctl COMMAND --help' shows the command's arguments and options.");

    public static readonly YakError InvalidArgument = new(1102, "a value in the request is not acceptable",
        "correct the value the message names.");

    public static readonly YakError NotFound = new(1103, "no such environment, service, session, forward or pod",
        "'yakctl status', 'yakctl sync list' and 'yakctl forward list' show what exists.");

    public static readonly YakError SpecInvalid = new(1104, "the environment's spec (yak.yaml) is not valid",
        "fix yak.yaml at the line and node the message names (docs/yak-yaml.md describes every field).");

    public static readonly YakError NameTaken = new(1105, "the name is already in use",
        "pick another name, or remove the one that exists first.");

    public static readonly YakError NoDebugProfile = new(1106, "the service has no such debug profile",
        "add a 'debug:' profile to the service in yak.yaml (e.g. 'debug: node'; docs/yak-yaml.md#debug), or pick one it has with --profile.");

    public static readonly YakError ClusterUnreachable = new(1201, "the cluster's API server does not answer",
        "check the server URL and your network ('kubectl cluster-info'); for the local cluster, 'yakctl cluster local start'.");

    public static readonly YakError ClusterRefused = new(1202, "the cluster refused the operation",
        "read the API server's reason in the message; 'yakctl status' shows the environment's state.");

    public static readonly YakError ClustersFull = new(1203, "every configured cluster is full",
        "raise a cluster's capacity in config.yaml, or 'yakctl down --purge' an environment you no longer need.");

    public static readonly YakError Forbidden = new(1204, "the cluster forbids what yak needs (RBAC)",
        "ask the cluster's admin for a Role in your namespace that allows what the message names.");

    public static readonly YakError QuotaExceeded = new(1205, "the namespace's resource quota is exhausted",
        "'kubectl describe resourcequota -n NAMESPACE' shows the limits; lower the services' requests or ask for more quota.");

    public static readonly YakError UnknownCluster = new(1206, "no cluster of that name is configured",
        "name a cluster listed in config.yaml, or add it there.");

    public static readonly YakError ClockSkew = new(1207, "this machine's clock differs from the cluster's",
        "synchronise the clock (timedatectl set-ntp true); tokens and certificates fail when clocks disagree.");

    public static readonly YakError LocalClusterUnhealthy = new(1208, "the local cluster does not run or does not answer",
        "'yakctl cluster local start' starts it; 'yakctl cluster local status' shows its server and kubeconfig.");

    public static readonly YakError ShareForbids = new(1209, "your share of this environment does not allow that",
        "ask the environment's owner for more ('yakctl share ENV --with YOU' without --read-only, or with --secrets); 'yakctl status' shows your access.");

    public static readonly YakError ShareEnded = new(1210, "no share of that environment is open to you (never shared, expired or revoked)",
        "ask the owner to share it ('yakctl share ENV --with YOUR-USER'; 'kubectl auth whoami' shows your user), then 'yakctl connect OWNER/ENV' again.");

    public static readonly YakError VolumesCannotMove = new(1211, "the environment's volumes cannot follow it to another cluster",
        "copy out the data you need ('yakctl exec SERVICE -- tar c PATH > backup.tar'), then move again with --discard-volumes.");

    public static readonly YakError ImagePullFailed = new(2001, "a container's image cannot be pulled",
        "check the image name and tag in yak.yaml, that the registry answers and that the cluster may pull from it (imagePullSecrets).");

    public static readonly YakError CrashLoop = new(2002, "a container keeps crashing",
        "read its last log lines ('yakctl logs SERVICE'); fix the command or the configuration it fails on.");

    public static readonly YakError Unschedulable = new(2003, "a pod cannot be scheduled",
        "the scheduler's reason says what is missing (CPU, memory, a zone, a taint); lower the requests or ask for capacity.");

    public static readonly YakError OomKilled = new(2004, "a container ran out of memory (OOMKilled)",
        "raise the service's memory limit in yak.yaml, or make it use less memory.");

    public static readonly YakError ContainerCannotStart = new(2005, "a container cannot be created or started",
        "the reason names what is wrong (a missing ConfigMap or Secret, a bad command); fix it in yak.yaml.");

    public static readonly YakError VolumeClaimPending = new(2006, "a persistent volume claim is not bound",
        "'kubectl get pvc -n NAMESPACE' and 'kubectl describe pvc' show why; check the storage class exists and has capacity.");

    public static readonly YakError AgentDeliveryFailed = new(2007, "the sync agent could not be delivered into the sidecar",
        "check the sidecar runs ('yakctl status'), that agent.image or agent.baseImage can be pulled, and the agent's architecture.");

    public static readonly YakError AgentUnavailable = new(2008, "no sync agent for the cluster's architecture",
        "install the agent for that architecture next to yakd (packaging/), or set agent.image in config.yaml to a prebuilt image.");

    public static readonly YakError EnvironmentNotReady = new(2009, "the environment was not ready within the time 'up' waits",
        "'yakctl status' shows which service is still waiting and why; yakd keeps converging, or give 'up' a longer --timeout.");

    public static readonly YakError InotifyBudget = new(3001, "the inotify watch budget is below what sync needs",
        "raise it: 'sudo sysctl fs.inotify.max_user_watches=524288' (and in /etc/sysctl.d/ to keep it); until then yak rescans.");

    public static readonly YakError ReplicaDiskFull = new(3002, "the pod's sync volume is full",
        "free space in the pod's volume (delete files there, or give the volume more room); sync resumes by itself when there is room.");

    public static readonly YakError ReplicaReadOnly = new(3003, "the pod's sync volume is read-only",
        "mount the sync volume read-write (check the pod's volumeMounts and the volume); sync resumes by itself when it is writable.");

    public static readonly YakError SyncLinkBroken = new(3004, "the sync link to the pod's agent broke",
        "sync reconnects by itself; if it keeps breaking, 'yakctl status' shows the pod and 'yakctl logs SERVICE -c yak-sync' the agent's log.");

    public static readonly YakError AgentProtocolMismatch = new(3005, "the sync agent speaks another protocol version",
        "remove agent.image from config.yaml so yakd delivers the matching agent, or point it at this yak version's agent image.");

    public static readonly YakError AgentRefused = new(3006, "the sync agent refused a change",
        "the message names the path and the agent's reason; fix the path's permissions or the volume in the pod, then 'yakctl sync flush'.");

    public static readonly YakError LocalFolderMissing = new(3007, "a sync session's local folder is missing",
        "restore or recreate the folder the message names (sync resumes by itself), or 'yakctl sync terminate NAME'.");

    public static readonly YakError SyncPodGone = new(3008, "the pod a sync session targets is gone or refuses exec",
        "environments follow their new pod by themselves; for a session of your own, 'yakctl sync terminate NAME' and create it for the new pod.");

    public static readonly YakError LocalPortBusy = new(4001, "a declared local port is already in use",
        "stop what listens there ('ss -ltnp' shows it), or change the forward's local port in yak.yaml.");

    public static readonly YakError ForwardNoReadyPod = new(4002, "no ready pod behind the forward",
        "'yakctl status' shows why the service's pods are not ready; the forward connects by itself as soon as one is.");

    public static readonly YakError ForwardRemoteRefused = new(4003, "nothing answers on the forward's port in the pod",
        "check the app listens on that port inside the pod ('yakctl exec SERVICE -- netstat -ltn'), or fix the port in yak.yaml.");

    public static readonly YakError ForwardStreamFailed = new(4004, "the forward cannot open a stream to the pod",
        "the message gives the API server's answer; check 'kubectl auth can-i create pods/portforward' and that the pod runs.");

    public static readonly YakError DebuggerNotAnswering = new(4005, "the debugger does not answer on its forwarded port",
        "'yakctl logs SERVICE' shows why the debugger did not start (not installed in the image, another port); fix the profile in yak.yaml.");

    public static readonly YakError LowDiskSpace = new(5001, "little free space left for yak's state",
        "free space on the file system of the state folder the message names; yakd needs it for its logs and sync state.");

    /// <summary>Every code, in number order.</summary>
    public static IReadOnlyList<YakError> All { get; } =
    [
        DaemonUnavailable, IncompatibleProtocol, DaemonConnectionLost, UntrustedSocket, HandshakeRequired, ShuttingDown,
        VersionMismatch, StatePermissions, DaemonStopTimeout, AutostartFailed, NoDaemonLog, DaemonAlreadyRunning, DaemonStartFailed, Unexpected,
        Usage, InvalidArgument, NotFound, SpecInvalid, NameTaken, NoDebugProfile,
        ClusterUnreachable, ClusterRefused, ClustersFull, Forbidden, QuotaExceeded, UnknownCluster, ClockSkew, LocalClusterUnhealthy, ShareForbids, ShareEnded, VolumesCannotMove,
        ImagePullFailed, CrashLoop, Unschedulable, OomKilled, ContainerCannotStart, VolumeClaimPending, AgentDeliveryFailed, AgentUnavailable, EnvironmentNotReady,
        InotifyBudget, ReplicaDiskFull, ReplicaReadOnly, SyncLinkBroken, AgentProtocolMismatch, AgentRefused, LocalFolderMissing, SyncPodGone,
        LocalPortBusy, ForwardNoReadyPod, ForwardRemoteRefused, ForwardStreamFailed, DebuggerNotAnswering,
        LowDiskSpace,
    ];

    /// <summary>The entry for <paramref name="code"/> (<c>YAK1001</c>, <c>yak1001</c> or <c>1001</c>), or null.</summary>
    public static YakError? Find(string? code)
    {
        var text = code?.Trim() ?? string.Empty;
        if (text.StartsWith("YAK", StringComparison.OrdinalIgnoreCase))
        {
            text = text[3..];
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? All.FirstOrDefault(e => e.Number == number)
            : null;
    }
}
