import { after, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { YakClient } from "../src/client";
import { resolveSocketPath } from "../src/endpoint";
import { DaemonUnavailableError, UntrustedDaemonError } from "../src/errors";

/** A listening socket in `folder`; counts the connections it accepted (a refused client must make none). */
async function listen(folder: string): Promise<{ socketPath: string; accepted: () => number; close: () => Promise<void> }> {
  const socketPath = path.join(folder, "yakd.sock");
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { socketPath, accepted: () => accepted, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("socket discovery and trust", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "yk-node-trust-"));
  // Another uid than ours (the tests run as root, as CI does, so they can hand a folder or socket to it).
  const stranger = process.geteuid!() === 65534 ? 65533 : 65534;
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("resolveSocketPath_LikeYakctl_OverrideThenRuntimeDirThenTmp", () => {
    assert.equal(resolveSocketPath({ YAK_SOCKET: "/x/s.sock", XDG_RUNTIME_DIR: "/run/user/1" }, 1), "/x/s.sock");
    assert.equal(resolveSocketPath({ XDG_RUNTIME_DIR: "/run/user/1" }, 1), "/run/user/1/yak/yakd.sock");
    assert.equal(resolveSocketPath({ XDG_RUNTIME_DIR: "relative/ignored" }, 7), "/tmp/yak-7/yakd.sock");
    assert.equal(resolveSocketPath({ TMPDIR: "/var/tmp" }, 7), "/var/tmp/yak-7/yakd.sock");
  });

  it("connect_StrangersFolder_RefusedBeforeConnecting", async () => {
    const folder = path.join(root, "strangers");
    fs.mkdirSync(folder, { mode: 0o700 });
    const server = await listen(folder);
    fs.chownSync(folder, stranger, stranger);
    try {
      await assert.rejects(YakClient.connect({ clientName: "t", socketPath: server.socketPath }), (error: unknown) => {
        assert.ok(error instanceof UntrustedDaemonError);
        assert.match(error.message, new RegExp(`belongs to uid ${stranger}`));
        return true;
      });
      assert.equal(server.accepted(), 0);
    } finally {
      await server.close();
    }
  });

  it("connect_StrangersSocketInOurFolder_RefusedWithNothingSent", async () => {
    const folder = path.join(root, "ours");
    fs.mkdirSync(folder, { mode: 0o700 });
    const server = await listen(folder);
    fs.chownSync(server.socketPath, stranger, stranger);
    try {
      await assert.rejects(YakClient.connect({ clientName: "t", socketPath: server.socketPath }), (error: unknown) => {
        assert.ok(error instanceof UntrustedDaemonError);
        assert.match(error.message, /nothing was sent/);
        return true;
      });
      assert.equal(server.accepted(), 0);
    } finally {
      await server.close();
    }
  });

  it("connect_FolderOpenToOthers_Refused", async () => {
    const folder = path.join(root, "open");
    fs.mkdirSync(folder);
    const server = await listen(folder);
    fs.chmodSync(folder, 0o777);
    try {
      await assert.rejects(YakClient.connect({ clientName: "t", socketPath: server.socketPath }), UntrustedDaemonError);
      assert.equal(server.accepted(), 0);
    } finally {
      await server.close();
    }
  });

  it("connect_FolderIsALink_Refused", async () => {
    const real = path.join(root, "real");
    fs.mkdirSync(real, { mode: 0o700 });
    const server = await listen(real);
    fs.symlinkSync(real, path.join(root, "link"));
    try {
      await assert.rejects(YakClient.connect({ clientName: "t", socketPath: path.join(root, "link", "yakd.sock") }), UntrustedDaemonError);
      assert.equal(server.accepted(), 0);
    } finally {
      await server.close();
    }
  });

  it("connect_NoDaemon_Unavailable", async () => {
    const folder = path.join(root, "empty");
    fs.mkdirSync(folder, { mode: 0o700 });
    await assert.rejects(YakClient.connect({ clientName: "t", socketPath: path.join(folder, "yakd.sock") }), DaemonUnavailableError);
  });
});
