import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EnvDebugRequest, EnvDebugResponse, EnvironmentInfo } from "@yak/client";
import type { YakConnection } from "../src/logic/connection";
import { DebugService, withWorkspaceFolder, type LaunchFile } from "../src/logic/debugService";
import { launchFileIn } from "../src/logic/launchFile";
import { RecordingUi } from "./fakes";

const environment: EnvironmentInfo = {
  name: "shop", namespace: "dev-ana", specPath: "/w/yak.yaml", cluster: "local", server: "https://127.0.0.1:6443", state: "up",
  lastError: null, lastErrorCode: null, updatedAt: "2026-12-01T00:00:00Z", services: [],
};

/** env/debug answered from a script; every request is recorded. */
class ScriptedDebug {
  readonly requests: EnvDebugRequest[] = [];
  constructor(private readonly answer: (request: EnvDebugRequest) => EnvDebugResponse) {}

  call(method: string, params: EnvDebugRequest): Promise<EnvDebugResponse> {
    assert.equal(method, "env/debug");
    this.requests.push(params);
    return Promise.resolve(this.answer(params));
  }
}

class MemoryLaunch implements LaunchFile {
  writes = 0;
  constructor(public text: string | undefined) {}

  read(): Promise<string | undefined> {
    return Promise.resolve(this.text);
  }

  write(text: string): Promise<void> {
    this.writes++;
    this.text = text;
    return Promise.resolve();
  }
}

const nodeAnswer = (request: EnvDebugRequest): EnvDebugResponse => request.stop
  ? { environment, service: request.service, profile: null, runtime: null, localPort: null, containerPort: null, attach: null }
  : {
    environment, service: request.service, profile: "node", runtime: "node", localPort: 19229, containerPort: 9229,
    attach: { name: `yak: ${request.service} (shop, node)`, type: "node", request: "attach", address: "127.0.0.1", port: 19229, localRoot: "/w/web", remoteRoot: "/app", skipFiles: ["<node_internals>/**"] },
  };

const service = (debug: ScriptedDebug, launch: LaunchFile, ui = new RecordingUi()): DebugService =>
  new DebugService(debug as unknown as YakConnection, ui, launch, "/w");

describe("debug service", () => {
  it("start_NodeProfile_WritesAttachConfigurationBesideTheUsersOwn", async () => {
    const debug = new ScriptedDebug(nodeAnswer);
    const launch = new MemoryLaunch(`{ "version": "0.2.0", "configurations": [ { "name": "mine", "type": "node", "request": "launch" }, ] // kept\n}`);
    const ui = new RecordingUi();

    const started = await service(debug, launch, ui).start({ environment: "shop", service: "web", profile: "" }, 120);

    assert.deepEqual(debug.requests, [{ name: "shop", specPath: "", service: "web", profile: "", stop: false, timeoutSeconds: 120 }]);
    assert.equal(started?.localPort, 19229);
    const written = JSON.parse(launch.text!);
    assert.deepEqual(written.configurations.map((c: { name: string }) => c.name), ["mine", "yak: web (shop, node)"]);
    assert.deepEqual(written.configurations[1], {
      name: "yak: web (shop, node)", type: "node", request: "attach", address: "127.0.0.1", port: 19229,
      localRoot: "${workspaceFolder}/web", remoteRoot: "/app", skipFiles: ["<node_internals>/**"],
    });
    assert.deepEqual(ui.errors, []);
    assert.match(ui.infos[0], /web runs under its node debugger \(profile node\) on localhost:19229; "yak: web \(shop, node\)" is in launch.json/);
  });

  it("start_Twice_ReplacesItsConfigurationInsteadOfAddingOne", async () => {
    const launch = new MemoryLaunch(undefined);
    const debugService = service(new ScriptedDebug(nodeAnswer), launch);
    await debugService.start({ environment: "shop", service: "web", profile: "node" });
    await debugService.start({ environment: "shop", service: "web", profile: "node" });
    assert.equal(JSON.parse(launch.text!).configurations.length, 1);
  });

  it("start_LaunchJsonNotJson_NothingRestartedAndFileUntouched", async () => {
    const debug = new ScriptedDebug(nodeAnswer);
    const launch = new MemoryLaunch("{ \"configurations\": [ oops ] }");
    const ui = new RecordingUi();

    assert.equal(await service(debug, launch, ui).start({ environment: "shop", service: "web", profile: "" }), undefined);

    assert.deepEqual(debug.requests, []);
    assert.equal(launch.writes, 0);
    assert.match(ui.errors[0], /launch\.json is not valid JSON .*nothing was changed\. Fix: /);
  });

  it("start_EnvironmentNotReady_ErrorAndNoConfiguration", async () => {
    const debug = new ScriptedDebug((r) => ({ ...nodeAnswer(r), environment: { ...environment, state: "degraded", lastError: "web: CrashLoopBackOff" } }));
    const launch = new MemoryLaunch(undefined);
    const ui = new RecordingUi();

    assert.equal(await service(debug, launch, ui).start({ environment: "shop", service: "web", profile: "" }), undefined);

    assert.equal(launch.writes, 0);
    assert.deepEqual(ui.errors, ["yak: web in shop is not ready (degraded): web: CrashLoopBackOff"]);
  });

  it("stop_DebuggedService_StopsAndRemovesOnlyItsConfigurations", async () => {
    const debug = new ScriptedDebug(nodeAnswer);
    const launch = new MemoryLaunch(JSON.stringify({
      version: "0.2.0",
      configurations: [
        { name: "yak: web (shop, node)", type: "node", request: "attach" },
        { name: "yak: web (blog, node)", type: "node", request: "attach" },
        { name: "yak: webby (shop, node)", type: "node", request: "attach" },
        { name: "mine", type: "node", request: "launch" },
      ],
    }));
    const ui = new RecordingUi();

    const removed = await service(debug, launch, ui).stop({ environment: "shop", service: "web" });

    assert.deepEqual(debug.requests.map((r) => [r.service, r.stop]), [["web", true]]);
    assert.deepEqual(removed, ["yak: web (shop, node)"]);
    assert.deepEqual(JSON.parse(launch.text!).configurations.map((c: { name: string }) => c.name), ["yak: web (blog, node)", "yak: webby (shop, node)", "mine"]);
    assert.match(ui.infos[0], /web runs as declared again \(no debugger\); removed "yak: web \(shop, node\)" from launch.json/);
  });

  it("withWorkspaceFolder_EachDebuggerType_MapsItsOwnLocalMemberUnderTheFolderOnly", () => {
    const base = { name: "yak: x (e, p)", request: "attach" as const };
    assert.deepEqual(withWorkspaceFolder({ ...base, type: "debugpy", pathMappings: [{ localRoot: "/w/api", remoteRoot: "/srv" }, { localRoot: "/elsewhere/lib", remoteRoot: "/lib" }] }, "/w").pathMappings,
      [{ localRoot: "${workspaceFolder}/api", remoteRoot: "/srv" }, { localRoot: "/elsewhere/lib", remoteRoot: "/lib" }]);
    assert.deepEqual(withWorkspaceFolder({ ...base, type: "coreclr", debugServer: 4711, sourceFileMap: { "/src": "/w" } }, "/w").sourceFileMap, { "/src": "${workspaceFolder}" });
    assert.deepEqual(withWorkspaceFolder({ ...base, type: "go", substitutePath: [{ from: "/w/cmd/app", to: "/go/app" }] }, "/w").substitutePath,
      [{ from: "${workspaceFolder}/cmd/app", to: "/go/app" }]);
    // A sibling folder whose name starts with the workspace's is not under it.
    assert.equal(withWorkspaceFolder({ ...base, type: "node", localRoot: "/work2/web" }, "/w").localRoot, "/work2/web");
  });

  it("launchFileIn_WriteThenRead_CreatesVscodeFolderAndLeavesNoTempFile", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "yk-launch-"));
    try {
      const launch = launchFileIn(folder);
      assert.equal(await launch.read(), undefined);
      await launch.write("{\"version\":\"0.2.0\",\"configurations\":[]}\n");
      await launch.write("{\"version\":\"0.2.0\",\"configurations\":[{\"name\":\"a\"}]}\n");
      assert.equal(await launch.read(), "{\"version\":\"0.2.0\",\"configurations\":[{\"name\":\"a\"}]}\n");
      assert.deepEqual(fs.readdirSync(path.join(folder, ".vscode")), ["launch.json"]);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
