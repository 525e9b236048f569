import type { LogLineInfo, StreamTargetInfo } from "@yak/client";
import type { YakConnection } from "./connection";
import type { LogSink } from "./ui";
import type { StreamLike } from "./terminal";

/** One log line as the output channel shows it: `pod/container  line` (the pod names which replica said it). */
export function formatLogLine(line: LogLineInfo): string {
  return `${line.pod}/${line.container}  ${line.line}`;
}

/**
 * Follows a service's logs into a sink (new pods join, restarts are followed: yakd does that) until stopped. Returns a
 * handle whose `stop` aborts the stream, and `done` resolves when it ended.
 */
export async function followLogs(client: YakConnection, target: StreamTargetInfo, sink: LogSink, tailLines = 200): Promise<{ stop: () => void; done: Promise<void> }> {
  const { started, stream } = await client.logs({ target, follow: true, tailLines, sinceSeconds: 0 });
  sink.appendLine(`[yak] following ${started.container} in ${started.pods.join(", ") || "(no pod yet)"}`);
  return pipeLogs(stream, sink);
}

export function pipeLogs(stream: StreamLike, sink: LogSink): { stop: () => void; done: Promise<void> } {
  let stopped = false;
  stream.on("log", (line: LogLineInfo) => sink.appendLine(formatLogLine(line)));
  stream.on("error", (text: string) => sink.appendLine(`[yak] ${text}`));
  const done = stream.exit.then(
    () => sink.appendLine("[yak] the log stream ended"),
    (error: Error) => {
      if (!stopped) {
        sink.appendLine(`[yak] the log stream broke: ${error.message}`);
      }
    },
  );
  return {
    stop: () => {
      stopped = true;
      stream.close();
    },
    done,
  };
}
