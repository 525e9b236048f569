import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { YakClient } from "../src/client";
import { YakRpcError } from "../src/errors";
import { Capabilities, ErrorCodes, EventNotification, Methods, ProtocolVersion } from "../src/generated/protocol";
import { Daemon, Sandbox } from "./harness";

describe("YakClient against a real yakd", () => {
  const sandbox = new Sandbox();
  let daemon: Daemon;
  let client: YakClient;

  before(async () => {
    daemon = await Daemon.start(sandbox);
    client = await daemon.connect();
  });

  after(async () => {
    client?.dispose();
    await daemon?.stop();
    sandbox.dispose();
  });

  it("hello_DefaultDiscovery_AnnouncesProtocolAndCapabilities", () => {
    assert.equal(client.socketPath, sandbox.socketPath);
    assert.equal(client.hello.protocolVersion, ProtocolVersion.current);
    for (const capability of [Capabilities.events, Capabilities.sync, Capabilities.streams]) {
      assert.ok(client.has(capability), `yakd announced ${client.hello.capabilities.join(", ")}`);
    }
  });

  it("status_AfterHello_ReturnsTheDaemonsPidAndSocket", async () => {
    const status = await client.call(Methods.daemonStatus, {});
    assert.equal(status.socket, sandbox.socketPath);
    assert.ok(status.pid > 0);
  });

  it("syncCreate_OnlyRequiredMembers_SyncsFlushesListsAndPushesEvents", async () => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), "yk-node-src-"));
    const replica = fs.mkdtempSync(path.join(os.tmpdir(), "yk-node-dst-"));
    try {
      fs.writeFileSync(path.join(source, "hello.txt"), "hello from node\n");
      const events: EventNotification[] = [];
      const all = client.onEvent((n) => events.push(n));
      await client.subscribe(["sync"]);
      // kubeconfig, context, excludes and name are optional members: omitted here on purpose.
      const synced = client.nextEvent("sync/synced", (_, n) => n.subject === "node-session");
      const created = await client.call(Methods.syncCreate, { name: "node-session", localPath: source, endpoint: `local:${replica}` });
      assert.equal(created.session.name, "node-session");

      const flushed = await client.call(Methods.syncFlush, { name: "node-session" });
      assert.equal(flushed.sessions[0].lastError, null);
      assert.equal(fs.readFileSync(path.join(replica, "hello.txt"), "utf8"), "hello from node\n");
      await synced;

      const listed = await client.call(Methods.syncList, {});
      assert.deepEqual(listed.sessions.map((s) => s.name), ["node-session"]);
      assert.ok(events.some((n) => n.topic === "sync" && n.kind === "stateChanged" && n.subject === "node-session"),
        `events seen: ${events.map((n) => `${n.topic}/${n.kind}`).join(", ")}`);
      all.dispose();
      await client.call(Methods.syncTerminate, { name: "node-session" });
    } finally {
      fs.rmSync(source, { recursive: true, force: true });
      fs.rmSync(replica, { recursive: true, force: true });
    }
  });

  it("call_UnknownSession_RejectsWithCodeAndFix", async () => {
    await assert.rejects(client.call(Methods.syncFlush, { name: "no-such-session" }), (error: unknown) => {
      assert.ok(error instanceof YakRpcError);
      assert.equal(error.rpcCode, ErrorCodes.notFound);
      assert.match(error.code ?? "", /^YAK\d{4}$/);
      assert.ok((error.fix ?? "").length > 0);
      return true;
    });
  });

  it("openStream_UnknownToken_IsRefused", async () => {
    await assert.rejects(client.openStream("0".repeat(32)), YakRpcError);
  });
});
