export * from "./generated/protocol";
export { YakClient, ConnectOptions, Disposable, EventListener, openSocket } from "./client";
export { DaemonStream } from "./stream";
export { FrameDecoder, encodeFrames, resizePayload } from "./frames";
export { resolveSocketPath, SocketOverrideVariable } from "./endpoint";
export { checkSocketTrust } from "./socketTrust";
export { DaemonUnavailableError, IncompatibleDaemonError, UntrustedDaemonError, YakRpcError } from "./errors";
