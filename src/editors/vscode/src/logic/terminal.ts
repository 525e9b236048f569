import type { DaemonStream, StreamTargetInfo } from "@yak/client";
import type { YakConnection } from "./connection";

/** What a terminal shows and how it ends: a vscode.Pseudoterminal in the extension, arrays in the tests. */
export interface TerminalOutput {
  write(text: string): void;
  close(exitCode: number): void;
}

export type StreamLike = Pick<DaemonStream, "writeStdin" | "resize" | "close" | "exit" | "on">;

/**
 * A terminal over the side channel: keystrokes become stdin frames, the editor's size becomes resize frames, output
 * frames are written to the terminal (with a tty, stdout carries everything), and the exit code closes it. Closing
 * the terminal aborts the remote command.
 */
export class TerminalSession {
  private ended = false;

  constructor(private readonly stream: StreamLike, private readonly output: TerminalOutput) {
    const decoder = new TextDecoder("utf-8");
    stream.on("stdout", (bytes: Buffer) => output.write(decoder.decode(bytes, { stream: true })));
    stream.on("stderr", (bytes: Buffer) => output.write(decoder.decode(bytes, { stream: true })));
    stream.on("error", (text: string) => output.write(`\r\n[yak] ${text}\r\n`));
    stream.exit.then(
      (code) => this.finish(code),
      (error: Error) => {
        if (!this.ended) {
          output.write(`\r\n[yak] ${error.message}\r\n`);
        }
        this.finish(-1);
      },
    );
  }

  /** Starts `command` (a shell when empty) in the target, with a terminal, and wires it to `output`. */
  static async open(client: YakConnection, target: StreamTargetInfo, command: readonly string[], output: TerminalOutput, size?: { columns: number; rows: number }): Promise<TerminalSession> {
    const { stream } = await client.exec({ target, command: command.length > 0 ? command : ["sh", "-c", "exec bash 2>/dev/null || exec sh"], tty: true, stdin: true, inSyncRoot: false });
    const session = new TerminalSession(stream, output);
    if (size) {
      session.resize(size.columns, size.rows);
    }
    return session;
  }

  input(data: string): void {
    if (!this.ended) {
      this.stream.writeStdin(data);
    }
  }

  resize(columns: number, rows: number): void {
    if (!this.ended) {
      this.stream.resize(columns, rows);
    }
  }

  /** The user closed the terminal: abort the remote side. */
  close(): void {
    this.ended = true;
    this.stream.close();
  }

  private finish(code: number): void {
    const wasEnded = this.ended;
    this.ended = true;
    if (!wasEnded) {
      this.output.close(code);
    }
  }
}
