import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { YakClient } from "@yak/client";
import { Daemon, Sandbox } from "@yak/client/dist/test/harness";
import { YakCommands } from "../src/logic/commands";
import { DebugService } from "../src/logic/debugService";
import { launchFileIn } from "../src/logic/launchFile";
import { StatusModel } from "../src/logic/statusModel";
import { RecordingUi } from "./fakes";

describe("the extension's logic against a real yakd", () => {
  const sandbox = new Sandbox();
  let daemon: Daemon;
  let client: YakClient;

  before(async () => {
    daemon = await Daemon.start(sandbox);
    client = await daemon.connect("vscode-yak-tests");
  });

  after(async () => {
    client?.dispose();
    await daemon?.stop();
    sandbox.dispose();
  });

  it("statusModel_SyncSessionCreatedAndTerminated_StatusFollowsPushedEvents", async () => {
    const ui = new RecordingUi();
    const model = new StatusModel(client, ui);
    await model.start();
    assert.equal(ui.lastStatus, "yak no environment · no sync");

    const source = fs.mkdtempSync(path.join(os.tmpdir(), "yk-vsc-src-"));
    const replica = fs.mkdtempSync(path.join(os.tmpdir(), "yk-vsc-dst-"));
    try {
      fs.writeFileSync(path.join(source, "a.txt"), "a");
      const idle = ui.statusWhere((s) => s.text === "yak no environment · sync idle");
      await client.call("sync/create", { name: "vsc", localPath: source, endpoint: `local:${replica}` });
      await idle;

      const gone = ui.statusWhere((s) => s.text === "yak no environment · no sync" && ui.statuses.length > 1);
      await client.call("sync/terminate", { name: "vsc" });
      await gone;
    } finally {
      model.dispose();
      fs.rmSync(source, { recursive: true, force: true });
      fs.rmSync(replica, { recursive: true, force: true });
    }
  });

  it("commands_FlushWithoutSessionsAndUnknownEnvironment_InfoThenErrorWithFix", async () => {
    const ui = new RecordingUi();
    const commands = new YakCommands(client, ui);
    assert.deepEqual(await commands.flush(), []);
    assert.deepEqual(ui.infos, ["yak: 0 sync session(s) flushed"]);

    assert.equal(await commands.down("no-such-environment"), undefined);
    assert.equal(ui.errors.length, 1);
    assert.match(ui.errors[0], /\(YAK\d{4}\)\. Fix: /);
    assert.equal(await commands.status(), "No environment and no sync session.");
  });

  it("debugService_UnknownEnvironment_ErrorWithCodeAndLaunchJsonUntouched", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "yk-vsc-dbg-"));
    try {
      const ui = new RecordingUi();
      const debug = new DebugService(client, ui, launchFileIn(folder), folder);
      assert.equal(await debug.start({ environment: "no-such-environment", service: "web", profile: "" }, 30), undefined);
      assert.equal(await debug.stop({ environment: "no-such-environment", service: "web" }, 30), undefined);
      assert.equal(ui.errors.length, 2);
      ui.errors.forEach((e) => assert.match(e, /no-such-environment.*\(YAK\d{4}\)\. Fix: /));
      assert.equal(fs.existsSync(path.join(folder, ".vscode")), false);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
