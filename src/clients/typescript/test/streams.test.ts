import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { YakClient } from "../src/client";
import { LogLineInfo, StreamTargetInfo } from "../src/generated/protocol";
import { Daemon, LocalCluster, Sandbox } from "./harness";

const shellPod = `apiVersion: v1
kind: Pod
metadata:
  name: shell
  labels: { app: shell }
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo one; echo two; echo three; exec sleep 100000"]
`;

// Prints whatever is written into its FIFO: a log line on demand, with no timer.
const fifo = `/tmp/yak-node-follow-${process.pid}`;
const followerPod = `apiVersion: v1
kind: Pod
metadata:
  name: follower
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "rm -f ${fifo}; mkfifo ${fifo}; echo waiting; while true; do cat ${fifo}; done"]
`;

describe("streams over the side channel (local cluster)", () => {
  const sandbox = new Sandbox();
  let cluster: LocalCluster;
  let daemon: Daemon;
  let client: YakClient;

  before(async () => {
    cluster = await LocalCluster.start();
    await cluster.kubectl(["apply", "-f", "-"], shellPod);
    await cluster.kubectl(["apply", "-f", "-"], followerPod);
    await cluster.kubectl(["wait", "--for=condition=Ready", "pod/shell", "pod/follower", "--timeout=90s"]);
    daemon = await Daemon.start(sandbox);
    client = await daemon.connect();
  });

  after(async () => {
    client?.dispose();
    await daemon?.stop();
    await cluster?.stop();
    // The pods' /tmp is the host's: the FIFO outlives the follower pod.
    fs.rmSync(fifo, { force: true });
    sandbox.dispose();
  });

  // Only the members that matter: the rest are optional and read as empty.
  const target = (pod = "shell"): StreamTargetInfo => ({ pod, namespace: "default", kubeconfig: cluster.kubeconfig, context: LocalCluster.context });

  it("exec_StdinAndBothOutputs_ExitCodeComesBack", async () => {
    const { started, stream } = await client.exec({
      target: target(),
      command: ["sh", "-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"],
      tty: false,
      stdin: true,
      inSyncRoot: false,
    });
    assert.equal(started.pod, "shell");
    assert.equal(stream.kind, "exec");
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    stream.on("stdout", (b) => stdout.push(b));
    stream.on("stderr", (b) => stderr.push(b));
    stream.writeStdin("from node\n");
    stream.closeStdin();

    assert.equal(await stream.exit, 3);
    assert.equal(Buffer.concat(stdout).toString(), "got from node\n");
    assert.equal(Buffer.concat(stderr).toString(), "oops\n");
  });

  it("exec_CommandMissing_Exits127", async () => {
    const { stream } = await client.exec({ target: target(), command: ["no-such-command"], tty: false, stdin: false, inSyncRoot: false });
    assert.equal(await stream.exit, 127);
  });

  it("logs_AllLines_ArriveAsLogFramesThenExit", async () => {
    const { started, stream } = await client.logs({ target: target(), follow: false, tailLines: -1, sinceSeconds: 0 });
    assert.deepEqual(started.pods, ["shell"]);
    const lines: LogLineInfo[] = [];
    stream.on("log", (line) => lines.push(line));

    assert.equal(await stream.exit, 0);
    assert.deepEqual(lines.map((l) => l.line), ["one", "two", "three"]);
    assert.ok(lines.every((l) => l.pod === "shell" && l.container === "app"));
  });

  it("logs_Follow_NewLineArrivesAndCloseEndsIt", async () => {
    const { stream } = await client.logs({ target: target("follower"), follow: true, tailLines: -1, sinceSeconds: 0 });
    const marker = `marker-${process.pid}`;
    const first = new Promise<void>((resolve) => stream.on("log", (line) => line.line === "waiting" && resolve()));
    const seen = new Promise<string>((resolve) => stream.on("log", (line) => line.line === marker && resolve(line.line)));
    await first;
    const { stream: writer } = await client.exec({ target: target("follower"), command: ["sh", "-c", `echo ${marker} > ${fifo}`], tty: false, stdin: false, inSyncRoot: false });
    assert.equal(await writer.exit, 0);
    assert.equal(await seen, marker);
    stream.close();
    await assert.rejects(stream.exit);
  });
});
