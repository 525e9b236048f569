import * as net from "node:net";
import { MessageConnection, ResponseError, createMessageConnection, SocketMessageReader, SocketMessageWriter } from "vscode-jsonrpc/node";
import { DaemonUnavailableError, IncompatibleDaemonError, YakRpcError } from "./errors";
import { Environment, resolveSocketPath } from "./endpoint";
import {
  Capabilities,
  ErrorCodes,
  EventDataTypes,
  EventKey,
  EventNotification,
  ExecStartRequest,
  ExecStartResponse,
  HelloResponse,
  LogsStartRequest,
  LogsStartResponse,
  Methods,
  ProtocolVersion,
  RequestMethod,
  RequestTypes,
  ResponseTypes,
} from "./generated/protocol";
import { checkSocketTrust } from "./socketTrust";
import { DaemonStream } from "./stream";

export interface ConnectOptions {
  /** Who is calling, as yakd logs it (e.g. "vscode-yak"). */
  readonly clientName: string;
  readonly clientVersion?: string;
  /** The socket; by default derived from the environment as yakctl does (YAK_SOCKET, XDG_RUNTIME_DIR, /tmp/yak-UID). */
  readonly socketPath?: string;
  readonly env?: Environment;
  /** Capabilities this client announces; `events` by default. */
  readonly capabilities?: readonly string[];
  /** Bound on connecting and on the handshake. */
  readonly timeoutMs?: number;
}

export type EventListener = (notification: EventNotification) => void;

/** Anything that can be undone: the returned value of `onEvent`/`on`. */
export interface Disposable {
  dispose(): void;
}

/**
 * A handshaken connection to yakd: typed calls (`call`), pushed events (`onEvent`, `on`), and streams on side
 * connections (`exec`, `logs`, `openStream`). `connect` refuses a socket that is not provably this user's.
 */
export class YakClient {
  private readonly listeners = new Set<EventListener>();
  private closedError: Error | undefined;

  private constructor(
    private readonly connection: MessageConnection,
    readonly socketPath: string,
    readonly hello: HelloResponse,
  ) {}

  static async connect(options: ConnectOptions): Promise<YakClient> {
    const socketPath = options.socketPath ?? resolveSocketPath(options.env ?? process.env);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = await openSocket(socketPath, timeoutMs);
    const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    let client: YakClient | undefined;
    const early: EventNotification[] = [];
    connection.onNotification(Methods.eventsEvent, (notification: EventNotification) => {
      if (client) {
        client.dispatch(notification);
      } else {
        early.push(notification);
      }
    });
    connection.listen();
    try {
      const hello = await withTimeout(
        connection.sendRequest<HelloResponse>(Methods.daemonHello, {
          clientName: options.clientName,
          clientVersion: options.clientVersion ?? "0.1.0",
          protocolVersion: ProtocolVersion.current,
          capabilities: options.capabilities ?? [Capabilities.events],
        }),
        timeoutMs,
        `yakd at ${socketPath} did not answer daemon/hello within ${timeoutMs} ms.`,
      );
      if (hello.protocolVersion < ProtocolVersion.minimumSupported || hello.minimumProtocolVersion > ProtocolVersion.current) {
        throw new IncompatibleDaemonError(
          `yakd ${hello.daemonVersion} speaks protocol ${hello.minimumProtocolVersion}..${hello.protocolVersion}; this ${options.clientName} ` +
          `speaks ${ProtocolVersion.minimumSupported}..${ProtocolVersion.current}. Update ${options.clientName}.`);
      }
      client = new YakClient(connection, socketPath, hello);
      connection.onClose(() => client!.markClosed(new DaemonUnavailableError(`yakd at ${socketPath} closed the connection.`)));
      early.forEach((n) => client!.dispatch(n));
      return client;
    } catch (error) {
      connection.dispose();
      socket.destroy();
      if (error instanceof ResponseError && error.code === ErrorCodes.incompatibleProtocol) {
        throw new IncompatibleDaemonError(error.message);
      }
      if (error instanceof ResponseError && error.code === -32601) {
        throw new IncompatibleDaemonError(`${socketPath} answers JSON-RPC but not daemon/hello: it is not a yakd this client can talk to.`);
      }
      throw error;
    }
  }

  /** True when yakd announced `capability` in its hello. */
  has(capability: string): boolean {
    return this.hello.capabilities.includes(capability);
  }

  /** Calls `method` with `params` as its named-parameter object; yakd's errors become `YakRpcError`. */
  async call<M extends RequestMethod>(method: M, params: RequestTypes[M]): Promise<ResponseTypes[M]> {
    if (this.closedError) {
      throw this.closedError;
    }
    try {
      return await this.connection.sendRequest<ResponseTypes[M]>(method, params);
    } catch (error) {
      if (error instanceof ResponseError) {
        const data = error.data as { code?: string; fix?: string } | undefined;
        throw new YakRpcError(error.message, method, error.code, data?.code, data?.fix, error.data);
      }
      throw error;
    }
  }

  /** Subscribes this connection to `topics` (empty: every topic); events then arrive through `onEvent`/`on`. */
  subscribe(topics: readonly string[]): Promise<ResponseTypes["events/subscribe"]> {
    return this.call(Methods.eventsSubscribe, { topics });
  }

  /** Every pushed event. */
  onEvent(listener: EventListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Pushed events of one `topic/kind`, with their data typed. */
  on<K extends EventKey>(key: K, listener: (data: EventDataTypes[K], notification: EventNotification) => void): Disposable {
    return this.onEvent((notification) => {
      if (`${notification.topic}/${notification.kind}` === key) {
        listener(notification.data as EventDataTypes[K], notification);
      }
    });
  }

  /** Resolves with the first event of `key` that `accept` accepts; rejects after `timeoutMs`. */
  nextEvent<K extends EventKey>(key: K, accept: (data: EventDataTypes[K], n: EventNotification) => boolean = () => true, timeoutMs = 30_000): Promise<EventDataTypes[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.dispose();
        reject(new Error(`No ${key} event within ${timeoutMs} ms.`));
      }, timeoutMs);
      const subscription = this.on(key, (data, n) => {
        if (accept(data, n)) {
          clearTimeout(timer);
          subscription.dispose();
          resolve(data);
        }
      });
    });
  }

  /** Prepares an exec and claims it on a side connection. */
  async exec(request: ExecStartRequest): Promise<{ started: ExecStartResponse; stream: DaemonStream }> {
    const started = await this.call(Methods.execStart, request);
    return { started, stream: await this.openStream(started.token) };
  }

  /** Prepares a log stream and claims it on a side connection (log lines arrive as `log` events). */
  async logs(request: LogsStartRequest): Promise<{ started: LogsStartResponse; stream: DaemonStream }> {
    const started = await this.call(Methods.logsStart, request);
    return { started, stream: await this.openStream(started.token) };
  }

  /** Claims a stream token (from exec/start, attach/start or logs/start) on a second connection to the same socket. */
  openStream(token: string): Promise<DaemonStream> {
    return DaemonStream.open(() => openSocket(this.socketPath, 10_000), token);
  }

  /** True once the connection to yakd ended or the client was disposed. */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  dispose(): void {
    this.markClosed(new DaemonUnavailableError("The client was disposed."));
    this.connection.dispose();
  }

  private dispatch(notification: EventNotification): void {
    for (const listener of [...this.listeners]) {
      listener(notification);
    }
  }

  private markClosed(error: Error): void {
    this.closedError ??= error;
  }
}

/** Connects to the socket after checking it is this user's (folder and socket owner and mode). */
export function openSocket(socketPath: string, timeoutMs: number): Promise<net.Socket> {
  checkSocketTrust(socketPath);
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: socketPath });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DaemonUnavailableError(`No yakd answers on ${socketPath} within ${timeoutMs} ms.`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = error.code === "EACCES" ? "permission denied (the socket belongs to another user)"
        : error.code === "ECONNREFUSED" || error.code === "ENOENT" ? "nothing is listening" : error.message;
      reject(new DaemonUnavailableError(`No yakd answers on ${socketPath}: ${why}.`));
    });
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DaemonUnavailableError(message)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}


