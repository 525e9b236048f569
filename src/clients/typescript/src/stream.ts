import { EventEmitter } from "node:events";
import * as net from "node:net";
import { FrameDecoder, encodeFrames, resizePayload } from "./frames";
import { LogLineInfo, Methods, StreamAttachResponse, StreamFrames } from "./generated/protocol";
import { YakRpcError } from "./errors";

const MaxHeaderBytes = 8 * 1024;
const MaxAttachResponseBytes = 64 * 1024;

export interface DaemonStreamEvents {
  stdout: [Buffer];
  stderr: [Buffer];
  log: [LogLineInfo];
  error: [string];
}

/**
 * A side connection carrying one stream (docs/streams.md): it claimed a token with `streams/attach`, sent the start
 * frame, and now speaks frames. `exit` resolves with the remote exit code (-1: none, an `error` came first).
 */
export class DaemonStream extends EventEmitter<DaemonStreamEvents> {
  readonly exit: Promise<number>;
  private closed = false;

  private constructor(private readonly socket: net.Socket, readonly kind: string, leftover: Buffer) {
    super();
    const decoder = new FrameDecoder();
    this.exit = new Promise<number>((resolve, reject) => {
      let exitCode: number | undefined;
      const take = (bytes: Buffer): void => {
        let frames;
        try {
          frames = decoder.push(bytes);
        } catch (error) {
          socket.destroy();
          reject(error);
          return;
        }
        for (const frame of frames) {
          switch (frame.type) {
            case StreamFrames.stdout:
              this.emit("stdout", Buffer.from(frame.payload));
              break;
            case StreamFrames.stderr:
              this.emit("stderr", Buffer.from(frame.payload));
              break;
            case StreamFrames.log:
              this.emit("log", JSON.parse(frame.payload.toString("utf8")) as LogLineInfo);
              break;
            case StreamFrames.error:
              if (this.listenerCount("error") > 0) {
                this.emit("error", frame.payload.toString("utf8"));
              }
              break;
            case StreamFrames.exit:
              if (frame.payload.length === 4) {
                exitCode = frame.payload.readInt32BE(0);
                resolve(exitCode);
              }
              break;
          }
        }
      };
      socket.on("data", take);
      socket.once("close", () => {
        this.closed = true;
        if (exitCode === undefined) {
          reject(new Error("yakd closed the stream without an exit status."));
        }
      });
      socket.on("error", () => {
        // 'close' follows and settles the exit promise.
      });
      if (leftover.length > 0) {
        take(leftover);
      }
    });
    // A caller that only awaits output must not crash the process on an unobserved rejection.
    this.exit.catch(() => undefined);
  }

  /**
   * Opens a second connection with `connect` (which checks the socket's trust, as for the main connection) and
   * claims `token` (no handshake: the token is the credential).
   */
  static async open(connect: () => Promise<net.Socket>, token: string, timeoutMs = 30_000): Promise<DaemonStream> {
    const socket = await connect();
    try {
      const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: Methods.streamsAttach, params: { token } }), "utf8");
      socket.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]));
      const { message, leftover } = await readOneMessage(socket, timeoutMs);
      const response = JSON.parse(message.toString("utf8")) as { result?: StreamAttachResponse; error?: { code: number; message: string; data?: { code?: string; fix?: string } } };
      if (response.error) {
        throw new YakRpcError(response.error.message, Methods.streamsAttach, response.error.code, response.error.data?.code, response.error.data?.fix, response.error.data);
      }
      if (!response.result) {
        throw new Error("streams/attach returned no result.");
      }
      const stream = new DaemonStream(socket, response.result.kind, leftover);
      // Only after the whole response was read: the daemon writes nothing before the start frame.
      stream.send(StreamFrames.start);
      return stream;
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  writeStdin(data: Uint8Array | string): void {
    this.send(StreamFrames.stdin, typeof data === "string" ? Buffer.from(data, "utf8") : data);
  }

  closeStdin(): void {
    this.send(StreamFrames.stdinClose);
  }

  resize(columns: number, rows: number): void {
    this.send(StreamFrames.resize, resizePayload(columns, rows));
  }

  /** Aborts the stream (the remote exec/attach is closed; a follow stops). */
  close(): void {
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private send(type: number, payload?: Uint8Array): void {
    if (this.closed || this.socket.destroyed) {
      return;
    }
    for (const frame of encodeFrames(type, payload)) {
      this.socket.write(frame);
    }
  }
}

/** Reads one Content-Length framed message; returns the bytes after it too (there should be none). */
function readOneMessage(socket: net.Socket, timeoutMs: number): Promise<{ message: Buffer; leftover: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`yakd did not answer streams/attach within ${timeoutMs} ms.`)), timeoutMs);
    const onData = (bytes: Buffer): void => {
      buffered = Buffer.concat([buffered, bytes]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buffered.length > MaxHeaderBytes) {
          finish(new Error("streams/attach answered with an oversized header."));
        }
        return;
      }
      const match = /content-length:\s*(\d+)/i.exec(buffered.subarray(0, end).toString("ascii"));
      if (!match) {
        finish(new Error("streams/attach answered without a Content-Length."));
        return;
      }
      const length = Number(match[1]);
      if (length > MaxAttachResponseBytes) {
        finish(new Error(`streams/attach answered with ${length} bytes; at most ${MaxAttachResponseBytes} are expected.`));
        return;
      }
      if (buffered.length >= end + 4 + length) {
        finish(undefined, { message: buffered.subarray(end + 4, end + 4 + length), leftover: buffered.subarray(end + 4 + length) });
      }
    };
    const onClose = (): void => finish(new Error("The daemon closed the side connection before answering streams/attach."));
    const finish = (error?: Error, value?: { message: Buffer; leftover: Buffer }): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.off("error", onClose);
      if (error) {
        reject(error);
      } else {
        resolve(value!);
      }
    };
    socket.on("data", onData);
    socket.on("close", onClose);
    socket.on("error", onClose);
  });
}
