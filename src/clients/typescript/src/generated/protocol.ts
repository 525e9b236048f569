// Generated from src/Yak.Protocol by tests/Yak.Protocol.Tests/TypeScriptContractTests.cs; do not edit by hand.
// Regenerate: YAK_UPDATE_DOCS=1 dotnet test tests/Yak.Protocol.Tests
/* eslint-disable */

export const ProtocolVersion = { current: 1, minimumSupported: 1 } as const;

export const Methods = {
  daemonHello: "daemon/hello",
  daemonStatus: "daemon/status",
  daemonShutdown: "daemon/shutdown",
  daemonVersion: "daemon/version",
  daemonDoctor: "daemon/doctor",
  syncCreate: "sync/create",
  syncList: "sync/list",
  syncStatus: "sync/status",
  syncFlush: "sync/flush",
  syncPause: "sync/pause",
  syncResume: "sync/resume",
  syncTerminate: "sync/terminate",
  forwardAdd: "forward/add",
  forwardList: "forward/list",
  forwardRemove: "forward/remove",
  forwardPause: "forward/pause",
  forwardResume: "forward/resume",
  eventsSubscribe: "events/subscribe",
  eventsUnsubscribe: "events/unsubscribe",
  eventsEvent: "events/event",
  envUp: "env/up",
  envDown: "env/down",
  envStatus: "env/status",
  envUpdate: "env/update",
  envList: "env/list",
  envDebug: "env/debug",
  envMove: "env/move",
  execStart: "exec/start",
  attachStart: "attach/start",
  logsStart: "logs/start",
  streamsAttach: "streams/attach",
  statsWaits: "stats/waits",
  shareGrant: "share/grant",
  shareRevoke: "share/revoke",
  shareList: "share/list",
  shareConnect: "share/connect",
} as const;

export type MethodName = (typeof Methods)[keyof typeof Methods];

export const Capabilities = {
  events: "events",
  environmentProgress: "environmentProgress",
  forwards: "forwards",
  sync: "sync",
  streams: "streams",
  version: "version",
  doctor: "doctor",
  stats: "stats",
  debug: "debug",
  sharing: "sharing",
} as const;

export const ErrorCodes = {
  incompatibleProtocol: -32001,
  handshakeRequired: -32002,
  notFound: -32004,
  invalidArgument: -32005,
  shuttingDown: -32006,
} as const;

export const EventTopics = {
  daemon: "daemon",
  sync: "sync",
  forward: "forward",
  environment: "environment",
} as const;

export const StreamFrames = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  exit: 3,
  resize: 4,
  stdinClose: 5,
  error: 6,
  start: 7,
  log: 8,
  headerBytes: 5,
  maxPayload: 1048576,
} as const;

/** Request params by method (one named object each). */
export interface RequestTypes {
  "attach/start": AttachStartRequest;
  "daemon/doctor": DoctorRequest;
  "daemon/hello": HelloRequest;
  "daemon/shutdown": ShutdownRequest;
  "daemon/status": StatusRequest;
  "daemon/version": VersionRequest;
  "env/debug": EnvDebugRequest;
  "env/down": EnvDownRequest;
  "env/list": EnvListRequest;
  "env/move": EnvMoveRequest;
  "env/status": EnvStatusRequest;
  "env/up": EnvUpRequest;
  "env/update": EnvUpdateRequest;
  "events/subscribe": SubscribeRequest;
  "events/unsubscribe": UnsubscribeRequest;
  "exec/start": ExecStartRequest;
  "forward/add": ForwardAddRequest;
  "forward/list": ForwardListRequest;
  "forward/pause": ForwardPauseRequest;
  "forward/remove": ForwardRemoveRequest;
  "forward/resume": ForwardResumeRequest;
  "logs/start": LogsStartRequest;
  "share/connect": ShareConnectRequest;
  "share/grant": ShareGrantRequest;
  "share/list": ShareListRequest;
  "share/revoke": ShareRevokeRequest;
  "stats/waits": WaitStatsRequest;
  "streams/attach": StreamAttachRequest;
  "sync/create": SyncCreateRequest;
  "sync/flush": SyncFlushRequest;
  "sync/list": SyncListRequest;
  "sync/pause": SyncPauseRequest;
  "sync/resume": SyncResumeRequest;
  "sync/status": SyncStatusRequest;
  "sync/terminate": SyncTerminateRequest;
}

/** Results by method. */
export interface ResponseTypes {
  "attach/start": AttachStartResponse;
  "daemon/doctor": DoctorResponse;
  "daemon/hello": HelloResponse;
  "daemon/shutdown": ShutdownResponse;
  "daemon/status": StatusResponse;
  "daemon/version": VersionResponse;
  "env/debug": EnvDebugResponse;
  "env/down": EnvDownResponse;
  "env/list": EnvListResponse;
  "env/move": EnvMoveResponse;
  "env/status": EnvStatusResponse;
  "env/up": EnvUpResponse;
  "env/update": EnvUpdateResponse;
  "events/subscribe": SubscribeResponse;
  "events/unsubscribe": UnsubscribeResponse;
  "exec/start": ExecStartResponse;
  "forward/add": ForwardAddResponse;
  "forward/list": ForwardListResponse;
  "forward/pause": ForwardPauseResponse;
  "forward/remove": ForwardRemoveResponse;
  "forward/resume": ForwardResumeResponse;
  "logs/start": LogsStartResponse;
  "share/connect": ShareConnectResponse;
  "share/grant": ShareGrantResponse;
  "share/list": ShareListResponse;
  "share/revoke": ShareRevokeResponse;
  "stats/waits": WaitStatsResponse;
  "streams/attach": StreamAttachResponse;
  "sync/create": SyncCreateResponse;
  "sync/flush": SyncFlushResponse;
  "sync/list": SyncListResponse;
  "sync/pause": SyncPauseResponse;
  "sync/resume": SyncResumeResponse;
  "sync/status": SyncStatusResponse;
  "sync/terminate": SyncTerminateResponse;
}

export type RequestMethod = keyof RequestTypes;

/** The data of each pushed event, by "topic/kind" (events/event params are an EventNotification). */
export interface EventDataTypes {
  "daemon/clientConnected": DaemonClientInfo;
  "daemon/clientDisconnected": DaemonClientInfo;
  "daemon/stopping": DaemonStoppingInfo;
  "sync/stateChanged": SyncStateChangedInfo;
  "sync/synced": SyncSyncedInfo;
  "sync/warning": SyncWarningInfo;
  "sync/replicaDiskFull": SyncReplicaDiskFullInfo;
  "sync/terminated": SyncTerminatedInfo;
  "sync/notResumed": NotResumedInfo;
  "forward/stateChanged": ForwardStateChangedInfo;
  "forward/targetChanged": ForwardTargetChangedInfo;
  "forward/connectionError": ForwardConnectionErrorInfo;
  "forward/removed": ForwardRemovedInfo;
  "environment/applying": EnvApplyingInfo;
  "environment/applied": EnvAppliedInfo;
  "environment/progress": EnvProgressInfo;
  "environment/stuck": EnvStuckInfo;
  "environment/stateChanged": EnvStateChangedInfo;
  "environment/ready": EnvironmentInfo;
  "environment/failed": EnvFailedInfo;
  "environment/down": EnvDownInfo;
  "environment/syncStarted": EnvSyncStartedInfo;
  "environment/initialSyncDone": EnvInitialSyncDoneInfo;
  "environment/notResumed": NotResumedInfo;
  "environment/image": EnvImageInfo;
  "environment/moving": EnvMovingInfo;
}

export type EventKey = keyof EventDataTypes;

/** The error catalogue (docs/errors/CODE.md): what each code means and its one-line fix. */
export const YakErrorCatalogue: Readonly<Record<string, { readonly title: string; readonly fix: string }>> = {
  YAK1001: { title: "yakd is not running and could not be started", fix: "\u0027yakctl daemon run\u0027 starts yakd in the foreground and shows why it does not start." },
  YAK1002: { title: "yakctl and yakd speak incompatible protocol versions", fix: "install matching versions of yakctl and yakd, then \u0027yakctl daemon restart\u0027." },
  YAK1003: { title: "yakd stopped before the command finished", fix: "\u0027yakctl daemon logs\u0027 shows why it stopped; run the command again (what yakd was doing resumes)." },
  YAK1004: { title: "the socket is not provably this user\u0027s yakd", fix: "make the socket\u0027s folder yours and private (\u0027chmod 700\u0027 on the folder the message names), then retry." },
  YAK1005: { title: "a client called yakd before the handshake", fix: "the client must call daemon/hello first (docs/protocol.md); report it to the client\u0027s authors." },
  YAK1006: { title: "yakd is shutting down", fix: "run the command again: the next yakctl command starts yakd, and its sessions resume." },
  YAK1007: { title: "the running yakd is not the installed version", fix: "\u0027yakctl daemon restart\u0027 replaces the running yakd with the installed one, keeping its sessions." },
  YAK1008: { title: "a yak folder or file is open to other users", fix: "\u0027chmod 700\u0027 the folder (or \u0027chmod 600\u0027 the file) the message names; yak creates them private." },
  YAK1009: { title: "yakd did not stop in time", fix: "\u0027yakctl daemon logs\u0027 shows what it was doing; \u0027kill PID\u0027 ends it (its sessions resume at the next start)." },
  YAK1010: { title: "yakd\u0027s autostart could not be installed", fix: "run the failing systemctl/launchctl command the message shows; without autostart, yakctl starts yakd on demand." },
  YAK1011: { title: "yakd has no log yet", fix: "yakd has not run as this user: \u0027yakctl daemon start\u0027 starts it, \u0027yakctl daemon run\u0027 shows its log in the terminal." },
  YAK1012: { title: "yakd is already running for this user", fix: "\u0027yakctl daemon status\u0027 reaches the running yakd; \u0027yakctl daemon stop\u0027 stops it before starting another." },
  YAK1013: { title: "yakd could not start", fix: "the message names what failed (a folder, the socket); \u0027yakctl daemon run\u0027 starts yakd in the terminal and shows its log." },
  YAK1099: { title: "an unexpected failure (a bug in yak)", fix: "run again with YAK_DEBUG=1 and report the message and trace." },
  YAK1101: { title: "the command line is not valid", fix: "\u0027yakctl COMMAND --help\u0027 shows the command\u0027s arguments and options." },
  YAK1102: { title: "a value in the request is not acceptable", fix: "correct the value the message names." },
  YAK1103: { title: "no such environment, service, session, forward or pod", fix: "\u0027yakctl status\u0027, \u0027yakctl sync list\u0027 and \u0027yakctl forward list\u0027 show what exists." },
  YAK1104: { title: "the environment\u0027s spec (yak.yaml) is not valid", fix: "fix yak.yaml at the line and node the message names (docs/yak-yaml.md describes every field)." },
  YAK1105: { title: "the name is already in use", fix: "pick another name, or remove the one that exists first." },
  YAK1106: { title: "the service has no such debug profile", fix: "add a \u0027debug:\u0027 profile to the service in yak.yaml (e.g. \u0027debug: node\u0027; docs/yak-yaml.md#debug), or pick one it has with --profile." },
  YAK1201: { title: "the cluster\u0027s API server does not answer", fix: "check the server URL and your network (\u0027kubectl cluster-info\u0027); for the local cluster, \u0027yakctl cluster local start\u0027." },
  YAK1202: { title: "the cluster refused the operation", fix: "read the API server\u0027s reason in the message; \u0027yakctl status\u0027 shows the environment\u0027s state." },
  YAK1203: { title: "every configured cluster is full", fix: "raise a cluster\u0027s capacity in config.yaml, or \u0027yakctl down --purge\u0027 an environment you no longer need." },
  YAK1204: { title: "the cluster forbids what yak needs (RBAC)", fix: "ask the cluster\u0027s admin for a Role in your namespace that allows what the message names." },
  YAK1205: { title: "the namespace\u0027s resource quota is exhausted", fix: "\u0027kubectl describe resourcequota -n NAMESPACE\u0027 shows the limits; lower the services\u0027 requests or ask for more quota." },
  YAK1206: { title: "no cluster of that name is configured", fix: "name a cluster listed in config.yaml, or add it there." },
  YAK1207: { title: "this machine\u0027s clock differs from the cluster\u0027s", fix: "synchronise the clock (timedatectl set-ntp true); tokens and certificates fail when clocks disagree." },
  YAK1208: { title: "the local cluster does not run or does not answer", fix: "\u0027yakctl cluster local start\u0027 starts it; \u0027yakctl cluster local status\u0027 shows its server and kubeconfig." },
  YAK1209: { title: "your share of this environment does not allow that", fix: "ask the environment\u0027s owner for more (\u0027yakctl share ENV --with YOU\u0027 without --read-only, or with --secrets); \u0027yakctl status\u0027 shows your access." },
  YAK1210: { title: "no share of that environment is open to you (never shared, expired or revoked)", fix: "ask the owner to share it (\u0027yakctl share ENV --with YOUR-USER\u0027; \u0027kubectl auth whoami\u0027 shows your user), then \u0027yakctl connect OWNER/ENV\u0027 again." },
  YAK1211: { title: "the environment\u0027s volumes cannot follow it to another cluster", fix: "copy out the data you need (\u0027yakctl exec SERVICE -- tar c PATH \u003E backup.tar\u0027), then move again with --discard-volumes." },
  YAK2001: { title: "a container\u0027s image cannot be pulled", fix: "check the image name and tag in yak.yaml, that the registry answers and that the cluster may pull from it (imagePullSecrets)." },
  YAK2002: { title: "a container keeps crashing", fix: "read its last log lines (\u0027yakctl logs SERVICE\u0027); fix the command or the configuration it fails on." },
  YAK2003: { title: "a pod cannot be scheduled", fix: "the scheduler\u0027s reason says what is missing (CPU, memory, a zone, a taint); lower the requests or ask for capacity." },
  YAK2004: { title: "a container ran out of memory (OOMKilled)", fix: "raise the service\u0027s memory limit in yak.yaml, or make it use less memory." },
  YAK2005: { title: "a container cannot be created or started", fix: "the reason names what is wrong (a missing ConfigMap or Secret, a bad command); fix it in yak.yaml." },
  YAK2006: { title: "a persistent volume claim is not bound", fix: "\u0027kubectl get pvc -n NAMESPACE\u0027 and \u0027kubectl describe pvc\u0027 show why; check the storage class exists and has capacity." },
  YAK2007: { title: "the sync agent could not be delivered into the sidecar", fix: "check the sidecar runs (\u0027yakctl status\u0027), that agent.image or agent.baseImage can be pulled, and the agent\u0027s architecture." },
  YAK2008: { title: "no sync agent for the cluster\u0027s architecture", fix: "install the agent for that architecture next to yakd (packaging/), or set agent.image in config.yaml to a prebuilt image." },
  YAK2009: { title: "the environment was not ready within the time \u0027up\u0027 waits", fix: "\u0027yakctl status\u0027 shows which service is still waiting and why; yakd keeps converging, or give \u0027up\u0027 a longer --timeout." },
  YAK3001: { title: "the inotify watch budget is below what sync needs", fix: "raise it: \u0027sudo sysctl fs.inotify.max_user_watches=524288\u0027 (and in /etc/sysctl.d/ to keep it); until then yak rescans." },
  YAK3002: { title: "the pod\u0027s sync volume is full", fix: "free space in the pod\u0027s volume (delete files there, or give the volume more room); sync resumes by itself when there is room." },
  YAK3003: { title: "the pod\u0027s sync volume is read-only", fix: "mount the sync volume read-write (check the pod\u0027s volumeMounts and the volume); sync resumes by itself when it is writable." },
  YAK3004: { title: "the sync link to the pod\u0027s agent broke", fix: "sync reconnects by itself; if it keeps breaking, \u0027yakctl status\u0027 shows the pod and \u0027yakctl logs SERVICE -c yak-sync\u0027 the agent\u0027s log." },
  YAK3005: { title: "the sync agent speaks another protocol version", fix: "remove agent.image from config.yaml so yakd delivers the matching agent, or point it at this yak version\u0027s agent image." },
  YAK3006: { title: "the sync agent refused a change", fix: "the message names the path and the agent\u0027s reason; fix the path\u0027s permissions or the volume in the pod, then \u0027yakctl sync flush\u0027." },
  YAK3007: { title: "a sync session\u0027s local folder is missing", fix: "restore or recreate the folder the message names (sync resumes by itself), or \u0027yakctl sync terminate NAME\u0027." },
  YAK3008: { title: "the pod a sync session targets is gone or refuses exec", fix: "environments follow their new pod by themselves; for a session of your own, \u0027yakctl sync terminate NAME\u0027 and create it for the new pod." },
  YAK4001: { title: "a declared local port is already in use", fix: "stop what listens there (\u0027ss -ltnp\u0027 shows it), or change the forward\u0027s local port in yak.yaml." },
  YAK4002: { title: "no ready pod behind the forward", fix: "\u0027yakctl status\u0027 shows why the service\u0027s pods are not ready; the forward connects by itself as soon as one is." },
  YAK4003: { title: "nothing answers on the forward\u0027s port in the pod", fix: "check the app listens on that port inside the pod (\u0027yakctl exec SERVICE -- netstat -ltn\u0027), or fix the port in yak.yaml." },
  YAK4004: { title: "the forward cannot open a stream to the pod", fix: "the message gives the API server\u0027s answer; check \u0027kubectl auth can-i create pods/portforward\u0027 and that the pod runs." },
  YAK4005: { title: "the debugger does not answer on its forwarded port", fix: "\u0027yakctl logs SERVICE\u0027 shows why the debugger did not start (not installed in the image, another port); fix the profile in yak.yaml." },
  YAK5001: { title: "little free space left for yak\u0027s state", fix: "free space on the file system of the state folder the message names; yakd needs it for its logs and sync state." },
};

export interface AgentBuildInfo {
  platform: string;
  version: string;
  sha256: string;
  size: number;
}

export interface AgentRunInfo {
  environment: string;
  service: string;
  session: string;
  agentVersion: string | null;
  current: boolean;
  state: SyncSessionState;
}

export interface AttachStartRequest {
  target: StreamTargetInfo;
  tty: boolean;
  stdin: boolean;
}

export interface AttachStartResponse {
  token: string;
  pod: string;
  container: string;
  tty: boolean;
}

export interface DaemonClientInfo {
  connectionId: number;
  clients: number;
}

export interface DaemonStoppingInfo {
  reason: string;
}

export interface DoctorCheckInfo {
  name: string;
  status: DoctorStatus;
  message: string;
  code: string | null;
  fix: string | null;
}

export interface DoctorRequest {
  folder: string;
  localClusterKubeconfig: string;
}

export interface DoctorResponse {
  checks: readonly DoctorCheckInfo[];
}

export type DoctorStatus = "pass" | "warn" | "fail";

export interface EnvAppliedInfo {
  changed: number;
  total: number;
  objects: readonly string[];
}

export interface EnvApplyingInfo {
  name: string;
  namespace: string;
  cluster: string;
  server: string;
  objects: number;
}

export interface EnvDebugRequest {
  name: string;
  specPath: string;
  service: string;
  profile: string;
  stop: boolean;
  timeoutSeconds: number;
}

export interface EnvDebugResponse {
  environment: EnvironmentInfo;
  service: string;
  profile: string | null;
  runtime: string | null;
  localPort: number | null;
  containerPort: number | null;
  attach: unknown | null;
}

export interface EnvDownInfo {
  name: string;
  namespace: string;
  purged: boolean;
}

export interface EnvDownRequest {
  name: string;
  specPath: string;
  purge: boolean;
}

export interface EnvDownResponse {
  name: string;
  namespace: string;
  purged: boolean;
}

export interface EnvFailedInfo {
  name: string;
  message: string;
}

export interface EnvImageInfo {
  service: string;
  step: ImageStep;
  image: string;
  digest: string | null;
  message: string | null;
}

export interface EnvInitialSyncDoneInfo {
  service: string;
  pod: string;
}

export type EnvListRequest = Record<string, never>;

export interface EnvListResponse {
  environments: readonly EnvironmentInfo[];
}

export interface EnvMoveRequest {
  name: string;
  specPath: string;
  cluster: string;
  discardVolumes: boolean;
  timeoutSeconds: number;
}

export interface EnvMoveResponse {
  environment: EnvironmentInfo;
  from: string;
  discardedVolumes: readonly MovedVolumeInfo[];
  warnings: readonly string[];
}

export interface EnvMovingInfo {
  name: string;
  from: string;
  to: string;
  step: MoveStep;
  message: string;
}

export interface EnvProgressInfo {
  service: string;
  state: ServiceState;
  ready: number;
  desired: number;
  message: string | null;
}

export interface EnvStateChangedInfo {
  state: EnvironmentState;
  previous: EnvironmentState;
  message: string | null;
}

export interface EnvStatusRequest {
  name: string;
  specPath: string;
}

export interface EnvStatusResponse {
  environments: readonly EnvironmentInfo[];
}

export interface EnvStuckInfo {
  service: string;
  message: string | null;
  code: string | null;
}

export interface EnvSyncStartedInfo {
  service: string;
  session: string;
  pod: string;
  localPath: string;
  containerPath: string;
}

export interface EnvUpRequest {
  specPath: string;
  cluster: string;
  kubeconfig: string;
  context: string;
  timeoutSeconds: number;
  profiles?: readonly string[] | null;
}

export interface EnvUpResponse {
  environment: EnvironmentInfo;
  warnings: readonly string[];
}

export interface EnvUpdateRequest {
  name: string;
  specPath: string;
  services: readonly string[];
  timeoutSeconds: number;
}

export interface EnvUpdateResponse {
  environment: EnvironmentInfo;
  images: readonly ServiceImageInfo[];
}

export interface EnvironmentInfo {
  name: string;
  namespace: string;
  specPath: string;
  cluster: string;
  server: string;
  state: EnvironmentState;
  lastError: string | null;
  lastErrorCode: string | null;
  updatedAt: string;
  services: readonly EnvironmentServiceInfo[];
  owner?: string | null;
  access?: string | null;
}

export interface EnvironmentPodInfo {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  reason: string | null;
}

export interface EnvironmentPortInfo {
  name: string;
  containerPort: number;
  localPort: number | null;
  protocol: string;
  forward: PortForwardState;
  url: string | null;
}

export interface EnvironmentServiceInfo {
  name: string;
  kind: string;
  selector: string;
  state: ServiceState;
  readyReplicas: number;
  desiredReplicas: number;
  message: string | null;
  code: string | null;
  pods: readonly EnvironmentPodInfo[];
  syncs: readonly EnvironmentSyncInfo[];
  ports: readonly EnvironmentPortInfo[];
  debug: string | null;
}

export type EnvironmentState = "deploying" | "up" | "degraded" | "error" | "down";

export interface EnvironmentSyncInfo {
  session: string;
  localPath: string;
  containerPath: string;
  endpoint: string;
  state: EnvironmentSyncState;
  lastError: string | null;
  lastErrorCode: string | null;
}

export type EnvironmentSyncState = "pending" | "connecting" | "scanning" | "syncing" | "watching" | "paused" | "error" | "stopped";

export interface EventNotification {
  topic: string;
  kind: string;
  time: string;
  subject: string;
  data: unknown;
}

export interface ExecStartRequest {
  target: StreamTargetInfo;
  command: readonly string[];
  tty: boolean;
  stdin: boolean;
  inSyncRoot: boolean;
}

export interface ExecStartResponse {
  token: string;
  pod: string;
  container: string;
  workingDirectory: string;
}

export interface ForwardAddRequest {
  name: string;
  namespace: string;
  target: string;
  localPort: number;
  remotePort: number;
  kubeconfig: string;
  context: string;
  environment: string;
}

export interface ForwardAddResponse {
  forward: ForwardInfo;
}

export interface ForwardConnectionErrorInfo {
  pod: string | null;
  error: string;
}

export interface ForwardInfo {
  name: string;
  environment: string;
  namespace: string;
  target: string;
  localPort: number;
  remotePort: number;
  state: ForwardSessionState;
  reason: string | null;
  reasonCode: string | null;
  targetPod: string | null;
  openConnections: number;
  totalConnections: number;
  failedConnections: number;
  bytesIn: number;
  bytesOut: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastErrorCode: string | null;
}

export type ForwardListRequest = Record<string, never>;

export interface ForwardListResponse {
  forwards: readonly ForwardInfo[];
}

export interface ForwardPauseRequest {
  name: string;
}

export interface ForwardPauseResponse {
  forward: ForwardInfo;
}

export interface ForwardRemoveRequest {
  name: string;
}

export interface ForwardRemoveResponse {
  name: string;
}

export interface ForwardRemovedInfo {
  name: string;
}

export interface ForwardResumeRequest {
  name: string;
}

export interface ForwardResumeResponse {
  forward: ForwardInfo;
}

export type ForwardSessionState = "starting" | "listening" | "degraded" | "stopped" | "error" | "paused";

export interface ForwardStateChangedInfo {
  state: ForwardSessionState;
  previous: ForwardSessionState;
  reason: string | null;
}

export interface ForwardTargetChangedInfo {
  pod: string | null;
  previousPod: string | null;
}

export interface HelloRequest {
  clientName: string;
  clientVersion: string;
  protocolVersion: number;
  capabilities: readonly string[];
}

export interface HelloResponse {
  daemonVersion: string;
  protocolVersion: number;
  minimumProtocolVersion: number;
  capabilities: readonly string[];
}

export type ImagePath = "registry" | "node";

export type ImageStep = "resolving" | "changed" | "unchanged" | "nodePull" | "notFound" | "pulling" | "pulled";

export interface LogLineInfo {
  pod: string;
  container: string;
  time: string;
  line: string;
}

export interface LogsStartRequest {
  target: StreamTargetInfo;
  follow: boolean;
  tailLines: number;
  sinceSeconds: number;
}

export interface LogsStartResponse {
  token: string;
  pods: readonly string[];
  container: string;
}

export type MoveStep = "leaving" | "deploying";

export interface MovedVolumeInfo {
  claim: string;
  service: string;
  size: string | null;
  zone: string | null;
}

export interface NotResumedInfo {
  name: string;
  message: string;
}

export type PortForwardState = "none" | "pending" | "starting" | "listening" | "degraded" | "stopped" | "error" | "paused";

export interface RpcErrorInfo {
  code: string;
  fix: string;
  daemonProtocolVersion: number | null;
  minimumProtocolVersion: number | null;
}

export interface ServiceImageInfo {
  service: string;
  image: string;
  path: ImagePath;
  outcome: ImageStep;
  digest: string | null;
  previous: string | null;
  rolled: boolean;
  reason: string;
  resolveSeconds: number;
  pullSeconds: number | null;
  rolloutSeconds: number | null;
}

export type ServiceState = "pending" | "rollingOut" | "ready" | "stuck" | "scaledDown" | "unknown";

export interface SessionCountsInfo {
  sync: number;
  forwards: number;
  environments: number;
}

export interface ShareConnectRequest {
  owner: string;
  environment: string;
  sync: boolean;
  kubeconfig?: string | null;
  context?: string | null;
  specPath?: string | null;
}

export interface ShareConnectResponse {
  name: string;
  share: ShareInfo;
  environment: readonly EnvironmentInfo[];
  warnings: readonly string[];
  syncSessions?: readonly string[] | null;
}

export interface ShareGrantRequest {
  name: string;
  specPath: string;
  guest: string;
  readOnly: boolean;
  secrets: boolean;
  expiresSeconds: number;
}

export interface ShareGrantResponse {
  share: ShareInfo;
}

export interface ShareInfo {
  environment: string;
  namespace: string;
  owner: string;
  guest: string;
  access: string;
  secrets: boolean;
  expiresAt: string | null;
  expired: boolean;
  serviceAccount: string;
}

export interface ShareListRequest {
  name: string;
  specPath: string;
}

export interface ShareListResponse {
  environment: string;
  namespace: string;
  shares: readonly ShareInfo[];
}

export interface ShareRevokeRequest {
  name: string;
  specPath: string;
  guest: string;
}

export interface ShareRevokeResponse {
  environment: string;
  namespace: string;
  guest: string;
  revoked: boolean;
}

export interface ShutdownRequest {
  reason: string;
}

export interface ShutdownResponse {
  pid: number;
}

export type StatusRequest = Record<string, never>;

export interface StatusResponse {
  pid: number;
  version: string;
  protocolVersion: number;
  socket: string;
  listenMode: string;
  logPath: string;
  statePath: string;
  startedAt: string;
  uptimeSeconds: number;
  connectedClients: number;
  sessions: SessionCountsInfo;
}

export interface StreamAttachRequest {
  token: string;
}

export interface StreamAttachResponse {
  token: string;
  kind: string;
}

export interface StreamTargetInfo {
  environment?: string | null;
  service?: string | null;
  namespace?: string | null;
  selector?: string | null;
  pod?: string | null;
  container?: string | null;
  kubeconfig?: string | null;
  context?: string | null;
}

export interface SubscribeRequest {
  topics: readonly string[];
}

export interface SubscribeResponse {
  topics: readonly string[];
}

export interface SyncCreateRequest {
  name?: string | null;
  localPath: string;
  endpoint: string;
  excludes?: readonly string[] | null;
  kubeconfig?: string | null;
  context?: string | null;
}

export interface SyncCreateResponse {
  session: SyncSessionInfo;
}

export interface SyncFlushRequest {
  name: string;
}

export interface SyncFlushResponse {
  sessions: readonly SyncSessionInfo[];
}

export type SyncListRequest = Record<string, never>;

export interface SyncListResponse {
  sessions: readonly SyncSessionInfo[];
}

export interface SyncPauseRequest {
  name: string;
}

export interface SyncPauseResponse {
  sessions: readonly SyncSessionInfo[];
}

export interface SyncReplicaDiskFullInfo {
  code: string;
  target: string;
  path: string;
  readOnly: boolean;
  bytesNeeded: number;
  bytesFree: number;
  message: string;
}

export interface SyncResumeRequest {
  name: string;
}

export interface SyncResumeResponse {
  sessions: readonly SyncSessionInfo[];
}

export interface SyncSessionInfo {
  name: string;
  localPath: string;
  endpoint: string;
  excludes: readonly string[];
  state: SyncSessionState;
  lastError: string | null;
  lastErrorCode: string | null;
  filesSent: number;
  bytesSentRaw: number;
  bytesOnWire: number;
  linkCompressionLevel?: number | null;
  filesDeleted: number;
  deltasSent: number;
  lastSyncLatencyMs: number | null;
  lastSyncAt: string | null;
  pendingChanges: number;
  localEntries: number;
  remoteEntries: number;
  problems: number;
  lastProblem: string | null;
  agentVersion: string | null;
}

export type SyncSessionState = "connecting" | "scanning" | "syncing" | "watching" | "paused" | "error" | "stopped";

export interface SyncStateChangedInfo {
  state: SyncSessionState;
  previous: SyncSessionState;
  reason: string | null;
}

export interface SyncStatusRequest {
  name: string;
}

export interface SyncStatusResponse {
  sessions: readonly SyncSessionInfo[];
}

export interface SyncSyncedInfo {
  changes: number;
  latencyMs: number;
  full: boolean;
}

export interface SyncTerminateRequest {
  name: string;
}

export interface SyncTerminateResponse {
  name: string;
}

export interface SyncTerminatedInfo {
  name: string;
}

export interface SyncWarningInfo {
  message: string;
}

export interface UnsubscribeRequest {
  topics: readonly string[];
}

export interface UnsubscribeResponse {
  topics: readonly string[];
}

export type VersionRequest = Record<string, never>;

export interface VersionResponse {
  version: string;
  protocolVersion: number;
  minimumProtocolVersion: number;
  pid: number;
  agentBuilds: readonly AgentBuildInfo[];
  agents: readonly AgentRunInfo[];
}

export interface WaitKindInfo {
  kind: string;
  count: number;
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
  minutesPerDay: number;
}

export interface WaitPhaseInfo {
  name: string;
  offsetMs: number;
  durationMs: number;
}

export interface WaitRecordInfo {
  kind: string;
  subject: string;
  started: string;
  durationMs: number;
  outcome: string;
  phases: readonly WaitPhaseInfo[];
}

export interface WaitStatsRequest {
  sinceSeconds: number;
  slowest: number;
}

export interface WaitStatsResponse {
  since: string;
  kinds: readonly WaitKindInfo[];
  slowest: readonly WaitRecordInfo[];
}
