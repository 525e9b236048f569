import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { YakErrorCatalogue, YakRpcError, type EnvironmentInfo, type LogLineInfo } from "@yak/client";
import { describeError, formatStatus } from "../src/logic/commands";
import { stripJsonComments, upsertLaunchConfiguration } from "../src/logic/debugConfiguration";
import { formatLogLine, pipeLogs } from "../src/logic/logs";
import { renderStatus } from "../src/logic/statusModel";
import { StuckNotifier, explainStuck } from "../src/logic/stuck";
import { TerminalSession } from "../src/logic/terminal";
import { buildTree } from "../src/logic/tree";
import type { YakConnection } from "../src/logic/connection";
import { EventSource, RecordingSink, RecordingUi, ScriptedStream } from "./fakes";

const environment: EnvironmentInfo = {
  name: "shop", namespace: "dev-ana", specPath: "/w/yak.yaml", cluster: "local", server: "https://127.0.0.1:6443", state: "degraded",
  lastError: null, lastErrorCode: null, updatedAt: "2026-12-01T00:00:00Z",
  services: [
    {
      name: "api", kind: "Deployment", selector: "app=api", state: "stuck", readyReplicas: 0, desiredReplicas: 1, message: "image not found", code: "YAK2001",
      pods: [{ name: "api-1", phase: "Pending", ready: false, restarts: 2, reason: "ImagePullBackOff" }],
      syncs: [],
      ports: [{ name: "http", containerPort: 8080, localPort: 18080, protocol: "TCP", forward: "listening", url: "http://localhost:18080" }],
      debug: null,
    },
    { name: "db", kind: "StatefulSet", selector: "app=db", state: "ready", readyReplicas: 1, desiredReplicas: 1, message: null, code: null, pods: [], syncs: [], ports: [], debug: null },
  ],
};

describe("status bar", () => {
  it("renderStatus_WorstStatesWin_AndAllAreInTheTooltip", () => {
    const status = renderStatus(new Map([["shop", "up"], ["blog", "degraded"]]), new Map([["a", { state: "watching", error: null }], ["b", { state: "error", error: "disk full" }]]));
    assert.equal(status.text, "yak blog: degraded · sync error");
    assert.ok(status.attention);
    assert.match(status.tooltip, /sync b: error \(disk full\)/);
    assert.match(status.tooltip, /environment shop: up/);
  });

  it("renderStatus_AllWell_IdleAndNoAttention", () => {
    const status = renderStatus(new Map([["shop", "up"]]), new Map([["a", { state: "watching", error: null }]]));
    assert.equal(status.text, "yak shop: up · sync idle");
    assert.equal(status.attention, false);
  });
});

describe("stuck services", () => {
  it("explainStuck_KnownCode_CarriesTheCataloguesFix", () => {
    const code = Object.keys(YakErrorCatalogue)[0];
    const explained = explainStuck("shop", { service: "api", message: "image not found", code });
    assert.equal(explained.fix, YakErrorCatalogue[code].fix);
    assert.match(explained.message, new RegExp(`api in shop is stuck: image not found \\(${code}\\)`));
  });

  it("stuckNotifier_SameStuckTwice_NotifiesOnceUntilReady", async () => {
    const events = new EventSource();
    const ui = new RecordingUi();
    ui.answer = "Explain";
    const explained: string[] = [];
    const notifier = new StuckNotifier(events as unknown as YakConnection, ui, (code) => explained.push(code));
    await notifier.start();
    const code = Object.keys(YakErrorCatalogue)[0];

    events.push("environment", "stuck", "shop", { service: "api", message: "no image", code });
    events.push("environment", "stuck", "shop", { service: "api", message: "no image", code });
    await Promise.resolve();
    assert.equal(ui.warnings.length, 1);
    assert.match(ui.warnings[0], /Fix: /);
    assert.deepEqual(explained, [code]);

    events.push("environment", "ready", "shop", { ...environment, name: "shop", state: "up" });
    events.push("environment", "stuck", "shop", { service: "api", message: "no image", code });
    assert.equal(ui.warnings.length, 2);
    assert.deepEqual(events.subscribed, [["environment"]]);
    notifier.dispose();
  });
});

describe("tree", () => {
  it("buildTree_Environment_ServicesPodsAndPortsWithProblemsMarked", () => {
    const [env] = buildTree([environment]);
    assert.equal(env.label, "shop");
    assert.ok(env.problem);
    const [api, db] = env.children;
    assert.equal(api.description, "stuck 0/1 · image not found");
    assert.ok(api.problem && !db.problem);
    assert.deepEqual(api.target, { environment: "shop", service: "api" });
    const pod = api.children.find((c) => c.kind === "pod")!;
    assert.equal(pod.description, "Pending · 2 restarts · ImagePullBackOff");
    assert.deepEqual(pod.target, { environment: "shop", service: "api", pod: "api-1" });
    const port = api.children.find((c) => c.kind === "port")!;
    assert.equal(port.url, "http://localhost:18080");
    assert.equal(port.description, "→ localhost:18080 (listening)");
  });
});

describe("status and errors", () => {
  it("formatStatus_ServicesPortsAndSyncs_OneLineEach", () => {
    const text = formatStatus([environment], []);
    assert.equal(text, [
      "shop: degraded (dev-ana on local)",
      "  api: stuck 0/1 YAK2001 - image not found",
      "    http: http://localhost:18080",
      "  db: ready 1/1",
    ].join("\n"));
  });

  it("describeError_RpcErrorWithCode_ShowsCodeAndFix", () => {
    const text = describeError(new YakRpcError("No session x", "sync/flush", -32004, "YAK3001", "run 'yakctl sync list'", undefined));
    assert.equal(text, "yak: No session x (YAK3001). Fix: run 'yakctl sync list'");
  });
});

describe("logs", () => {
  it("pipeLogs_LinesThenEnd_FormattedIntoTheSink", async () => {
    const stream = new ScriptedStream();
    const sink = new RecordingSink();
    const { done } = pipeLogs(stream as never, sink);
    const line: LogLineInfo = { pod: "api-1", container: "app", time: "2026-12-01T00:00:00Z", line: "listening on 8080" };
    stream.emit("log", line);
    stream.end(0);
    await done;
    assert.deepEqual(sink.lines, [formatLogLine(line), "[yak] the log stream ended"]);
    assert.equal(sink.lines[0], "api-1/app  listening on 8080");
  });

  it("pipeLogs_Stopped_ClosesTheStreamQuietly", async () => {
    const stream = new ScriptedStream();
    const sink = new RecordingSink();
    const follower = pipeLogs(stream as never, sink);
    follower.stop();
    await follower.done;
    assert.ok(stream.closed);
    assert.deepEqual(sink.lines, []);
  });
});

describe("terminal", () => {
  it("terminalSession_InputResizeOutputAndExit_FlowBothWays", async () => {
    const stream = new ScriptedStream();
    const written: string[] = [];
    let closedWith: number | undefined;
    const closed = new Promise<void>((resolve) => {
      const session = new TerminalSession(stream as never, { write: (t) => written.push(t), close: (code) => { closedWith = code; resolve(); } });
      session.input("ls\r");
      session.resize(120, 40);
      stream.emit("stdout", Buffer.from("a.txt\r\n"));
      // A UTF-8 character split across two frames is written whole.
      stream.emit("stdout", Buffer.from([0xc3]));
      stream.emit("stdout", Buffer.from([0xa9]));
      stream.end(7);
    });
    await closed;
    assert.deepEqual(stream.stdin, ["ls\r"]);
    assert.deepEqual(stream.sizes, [[120, 40]]);
    assert.equal(written.join(""), "a.txt\r\né");
    assert.equal(closedWith, 7);
  });

  it("terminalSession_UserCloses_AbortsTheRemoteSide", async () => {
    const stream = new ScriptedStream();
    let closes = 0;
    const session = new TerminalSession(stream as never, { write: () => undefined, close: () => closes++ });
    session.close();
    await stream.exit.catch(() => undefined);
    await Promise.resolve();
    assert.ok(stream.closed);
    assert.equal(closes, 0);
  });
});

describe("launch.json", () => {
  it("upsertLaunchConfiguration_JsoncWithSameName_ReplacesAndKeepsOthers", () => {
    const existing = `{
  // mine
  "version": "0.2.0",
  "configurations": [
    { "name": "yak: api", "type": "node", "request": "attach", "port": 1 },
    { "name": "local // not a comment", "type": "node", "request": "launch", },
  ],
}`;
    const updated = JSON.parse(upsertLaunchConfiguration(existing, { name: "yak: api", type: "node", request: "attach", port: 9229 }));
    assert.deepEqual(updated.configurations.map((c: { name: string }) => c.name), ["local // not a comment", "yak: api"]);
    assert.equal(updated.configurations[1].port, 9229);
  });

  it("stripJsonComments_StringsWithSlashesAndCommas_Untouched", () => {
    assert.equal(JSON.parse(stripJsonComments(`{"a": "x,}/*y*/", /* c */ "b": 1,}`)).a, "x,}/*y*/");
  });
});
