import { EventEmitter } from "node:events";
import type { EventNotification } from "@yak/client";
import type { LogSink, YakUi } from "../src/logic/ui";

/** Records what the logic shows, for the assertions. */
export class RecordingUi implements YakUi {
  readonly statuses: { text: string; tooltip: string; attention: boolean }[] = [];
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  private readonly waiters: { accept: (s: { text: string }) => boolean; resolve: () => void }[] = [];
  answer: string | undefined;

  setStatus(text: string, tooltip: string, attention: boolean): void {
    this.statuses.push({ text, tooltip, attention });
    for (const waiter of [...this.waiters]) {
      if (waiter.accept({ text })) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  info(message: string): void {
    this.infos.push(message);
  }

  warn(message: string): Promise<string | undefined> {
    this.warnings.push(message);
    return Promise.resolve(this.answer);
  }

  error(message: string): void {
    this.errors.push(message);
  }

  get lastStatus(): string | undefined {
    return this.statuses.at(-1)?.text;
  }

  /** Resolves when a status text matching `accept` is set (bounded by the test's timeout). */
  statusWhere(accept: (status: { text: string }) => boolean): Promise<void> {
    if (this.statuses.some(accept)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ accept, resolve }));
  }
}

export class RecordingSink implements LogSink {
  readonly lines: string[] = [];

  appendLine(line: string): void {
    this.lines.push(line);
  }
}

/** Delivers notifications the way YakClient does, for the pure logic that only listens. */
export class EventSource {
  private readonly listeners = new Set<(n: EventNotification) => void>();
  readonly subscribed: string[][] = [];

  on(key: string, listener: (data: unknown, n: EventNotification) => void): { dispose(): void } {
    const wrapped = (n: EventNotification): void => {
      if (`${n.topic}/${n.kind}` === key) {
        listener(n.data, n);
      }
    };
    this.listeners.add(wrapped);
    return { dispose: () => this.listeners.delete(wrapped) };
  }

  subscribe(topics: readonly string[]): Promise<{ topics: readonly string[] }> {
    this.subscribed.push([...topics]);
    return Promise.resolve({ topics });
  }

  push(topic: string, kind: string, subject: string, data: unknown): void {
    const n: EventNotification = { topic, kind, subject, time: new Date().toISOString(), data };
    [...this.listeners].forEach((l) => l(n));
  }
}

/** A side-channel stream's surface (frames already decoded), driven by the test. */
export class ScriptedStream extends EventEmitter {
  readonly stdin: string[] = [];
  readonly sizes: [number, number][] = [];
  closed = false;
  private settle!: { resolve: (code: number) => void; reject: (e: Error) => void };
  readonly exit = new Promise<number>((resolve, reject) => (this.settle = { resolve, reject }));

  writeStdin(data: Uint8Array | string): void {
    this.stdin.push(typeof data === "string" ? data : Buffer.from(data).toString());
  }

  resize(columns: number, rows: number): void {
    this.sizes.push([columns, rows]);
  }

  close(): void {
    this.closed = true;
    this.settle.reject(new Error("closed"));
  }

  end(code: number): void {
    this.settle.resolve(code);
  }
}
