namespace Yak.Protocol.Messages;

/// <summary>
/// Deploys (or reconnects to) the environment described by a spec: namespace, workloads, Services, sync sessions.
/// Applying is server-side apply, so an unchanged spec changes nothing in the cluster. Returns once every service
/// is ready and its sync sessions flushed, or fails with the reason a pod is stuck.
/// </summary>
public sealed class EnvUpRequest
{
    /// <summary>Absolute path of a yak.yaml / docker-compose.yml, or of a folder holding one.</summary>
    public required string SpecPath { get; init; }

    /// <summary>A cluster named in <c>$XDG_CONFIG_HOME/yak/config.yaml</c>; empty lets the daemon place the environment.</summary>
    public required string Cluster { get; init; }

    /// <summary>Explicit kubeconfig (e.g. the local cluster's); empty means the configured clusters, else KUBECONFIG or ~/.kube/config.</summary>
    public required string Kubeconfig { get; init; }

    /// <summary>Context in <see cref="Kubeconfig"/>; empty means its current context.</summary>
    public required string Context { get; init; }

    /// <summary>Give up waiting for the rollout after this many seconds (0: the daemon's default, 300).</summary>
    public required int TimeoutSeconds { get; init; }

    /// <summary>
    /// Compose profiles to run (<c>--profile</c>; <c>*</c> for all): services with <c>profiles</c> run only when one is
    /// given, services without always. Kept for later updates; each up replaces them.
    /// </summary>
    [OptionalMember]
    public required IReadOnlyList<string> Profiles { get; init; } = [];
}

public sealed class EnvUpResponse
{
    public required EnvironmentInfo Environment { get; init; }

    /// <summary>Spec warnings (file:line:column: path: message), e.g. unsupported compose keys.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>Scales every workload to zero (volumes are kept), or with <see cref="Purge"/> deletes the namespace.</summary>
public sealed class EnvDownRequest
{
    /// <summary>The environment's name; empty means the one whose spec is <see cref="SpecPath"/>.</summary>
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    public required bool Purge { get; init; }
}

public sealed class EnvDownResponse
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public required bool Purged { get; init; }
}

/// <summary>One environment by name (or by spec path), or every environment when both are empty.</summary>
public sealed class EnvStatusRequest
{
    public required string Name { get; init; }

    public required string SpecPath { get; init; }
}

public sealed class EnvStatusResponse
{
    public required IReadOnlyList<EnvironmentInfo> Environments { get; init; }
}

/// <summary>
/// Fetches fresh images for some services, or all when <see cref="Services"/> is empty: each tag is resolved to its
/// digest at the registry and only services whose digest changed roll (pinned to the new digest); when the registry
/// does not answer yakd, the services restart with <c>imagePullPolicy: Always</c> and the nodes pull.
/// </summary>
public sealed class EnvUpdateRequest
{
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    public required IReadOnlyList<string> Services { get; init; }

    public required int TimeoutSeconds { get; init; }
}

public sealed class EnvUpdateResponse
{
    public required EnvironmentInfo Environment { get; init; }

    /// <summary>Per service: how its image was checked, whether it changed and rolled, and how long each step took.</summary>
    public required IReadOnlyList<ServiceImageInfo> Images { get; init; }
}

public sealed class EnvListRequest
{
}

public sealed class EnvListResponse
{
    public required IReadOnlyList<EnvironmentInfo> Environments { get; init; }
}

/// <summary>An environment as the daemon knows it: where it runs and the state of each service.</summary>
public sealed class EnvironmentInfo
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public required string SpecPath { get; init; }

    /// <summary>Name of the cluster it was placed on (from config.yaml, <c>yak-local</c>, or the kubeconfig context).</summary>
    public required string Cluster { get; init; }

    /// <summary>API server URL.</summary>
    public required string Server { get; init; }

    /// <summary>The state reached (not the one wanted): see <see cref="EnvironmentState"/>.</summary>
    public required EnvironmentState State { get; init; }

    public required string? LastError { get; init; }

    /// <summary>The catalogue code of <see cref="LastError"/> (<c>yakctl explain CODE</c>); null without an error.</summary>
    public required string? LastErrorCode { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required IReadOnlyList<EnvironmentServiceInfo> Services { get; init; }

    /// <summary>Empty for an environment of yours; for one shared with you (<c>yakctl connect</c>), its owner's user.</summary>
    [OptionalMember]
    public required string Owner { get; init; } = string.Empty;

    /// <summary>Empty for an environment of yours; for one shared with you, your access: <c>read-only</c> or <c>full</c>.</summary>
    [OptionalMember]
    public required string Access { get; init; } = string.Empty;
}

/// <summary>One service of an environment.</summary>
public sealed class EnvironmentServiceInfo
{
    public required string Name { get; init; }

    /// <summary><c>Deployment</c> or <c>StatefulSet</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Label selector of its pods, e.g. <c>yak.dev/service=web</c> (what a forward picks pods by).</summary>
    public required string Selector { get; init; }

    public required ServiceState State { get; init; }

    public required int ReadyReplicas { get; init; }

    public required int DesiredReplicas { get; init; }

    /// <summary>Why it is stuck (image pull, crash loop with the last log lines, unschedulable), or null.</summary>
    public required string? Message { get; init; }

    /// <summary>The error catalogue's code of why it is stuck (<c>YAK2001</c> image pull…; see docs/errors/), or null.</summary>
    public required string? Code { get; init; }

    public required IReadOnlyList<EnvironmentPodInfo> Pods { get; init; }

    public required IReadOnlyList<EnvironmentSyncInfo> Syncs { get; init; }

    public required IReadOnlyList<EnvironmentPortInfo> Ports { get; init; }

    /// <summary>The debug profile it runs under (<c>env/debug</c>; its port is among <see cref="Ports"/>), or null.</summary>
    public required string? Debug { get; init; }
}

public sealed class EnvironmentPodInfo
{
    public required string Name { get; init; }

    public required string Phase { get; init; }

    public required bool Ready { get; init; }

    public required int Restarts { get; init; }

    /// <summary>Waiting/terminated reason of a container that is not running, or null.</summary>
    public required string? Reason { get; init; }
}

public sealed class EnvironmentSyncInfo
{
    /// <summary>The sync session's name (see <c>sync/status</c>).</summary>
    public required string Session { get; init; }

    public required string LocalPath { get; init; }

    public required string ContainerPath { get; init; }

    public required string Endpoint { get; init; }

    /// <summary>The session's state, <c>pending</c> before it exists, <c>stopped</c> when the environment is down.</summary>
    public required EnvironmentSyncState State { get; init; }

    public required string? LastError { get; init; }

    /// <summary>The catalogue code of the session's <see cref="LastError"/>.</summary>
    public required string? LastErrorCode { get; init; }
}

public sealed class EnvironmentPortInfo
{
    public required string Name { get; init; }

    public required int ContainerPort { get; init; }

    /// <summary>The declared local forward port, or null when the port is not forwarded.</summary>
    public required int? LocalPort { get; init; }

    public required string Protocol { get; init; }

    /// <summary><c>pending</c> until a forward exists, then the forward's state; <c>none</c> without a local port.</summary>
    public required PortForwardState Forward { get; init; }

    /// <summary><c>http://localhost:PORT</c> for a forwarded TCP port, else null.</summary>
    public required string? Url { get; init; }
}

/// <summary>Where an environment is, as reached (an environment that is wanted up keeps converging towards up).</summary>
public enum EnvironmentState
{
    /// <summary>Applying, or services rolling out.</summary>
    Deploying,

    /// <summary>Every service ready, its sync flushed and its forwards listening.</summary>
    Up,

    /// <summary>A service cannot become ready on its own now (crash loop, image pull…); its message says why. Recovers by itself.</summary>
    Degraded,

    /// <summary>The cluster refused the environment (e.g. an invalid manifest); the next up retries.</summary>
    Error,

    /// <summary>Scaled to zero by <c>env/down</c>.</summary>
    Down,
}

public enum ServiceState
{
    Pending,
    RollingOut,
    Ready,
    Stuck,
    ScaledDown,
    Unknown,
}

/// <summary>A sync mapping of an environment: its session's state, or pending/stopped while it has none.</summary>
public enum EnvironmentSyncState
{
    Pending,
    Connecting,
    Scanning,
    Syncing,
    Watching,
    Paused,
    Error,
    Stopped,
}

/// <summary>A declared port: <c>none</c> without a local port, <c>pending</c> before its forward exists, else the forward's state.</summary>
public enum PortForwardState
{
    None,
    Pending,
    Starting,
    Listening,
    Degraded,
    Stopped,
    Error,
    Paused,
}

/// <summary>
/// Restarts a service's app container under one of its yak.yaml debug profiles (a spec change the environment's
/// supervisor rolls out and keeps, also across yakd restarts), forwards the debugger's port to localhost and returns
/// once the debugger answers there, with the editor's attach configuration. With <see cref="Stop"/> the service runs
/// as declared again. Progress is published as <c>environment</c> events, as for <c>env/update</c>.
/// </summary>
public sealed class EnvDebugRequest
{
    /// <summary>The environment's name; empty means the one whose spec is <see cref="SpecPath"/>.</summary>
    public required string Name { get; init; }

    public required string SpecPath { get; init; }

    public required string Service { get; init; }

    /// <summary>The profile (a key of the service's <c>debug:</c>); empty means its first.</summary>
    public required string Profile { get; init; }

    public required bool Stop { get; init; }

    /// <summary>Give up waiting for the rollout and the debugger after this many seconds (0: the daemon's default, 300).</summary>
    public required int TimeoutSeconds { get; init; }
}

public sealed class EnvDebugResponse
{
    public required EnvironmentInfo Environment { get; init; }

    public required string Service { get; init; }

    /// <summary>The profile the service now runs under, or null once stopped.</summary>
    public required string? Profile { get; init; }

    /// <summary><c>node</c>, <c>python</c>, <c>dotnet</c> or <c>go</c>; null once stopped.</summary>
    public required string? Runtime { get; init; }

    /// <summary>The localhost port the debugger is forwarded to; null once stopped.</summary>
    public required int? LocalPort { get; init; }

    /// <summary>The debugger's port in the container; null once stopped.</summary>
    public required int? ContainerPort { get; init; }

    /// <summary>
    /// A VS Code launch.json configuration (<c>request: attach</c>, the debugger's <c>type</c>, host and port, the
    /// remote ↔ local path mapping from the service's sync mappings), or null once stopped.
    /// </summary>
    public required System.Text.Json.JsonElement? Attach { get; init; }
}
