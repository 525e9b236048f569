import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readZip } from "./zip";

const extensionRoot = path.resolve(__dirname, "..", "..");

describe("the .vsix", () => {
  it("vscePackage_BuiltExtension_HoldsTheBundleAndItsManifest", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "yk-vsix-"));
    try {
      const vsix = path.join(out, "yak.vsix");
      const vsce = require.resolve("@vscode/vsce/vsce");
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, [vsce, "package", "--no-dependencies", "--skip-license", "--allow-missing-repository", "--out", vsix],
          { cwd: extensionRoot, timeout: 120_000 }, (error, _stdout, stderr) => (error ? reject(new Error(`vsce package failed: ${stderr}`)) : resolve())));

      const entries = readZip(fs.readFileSync(vsix));
      const packaged = JSON.parse(entries.get("extension/package.json")!.toString("utf8"));
      const manifest = entries.get("extension.vsixmanifest")!.toString("utf8");
      assert.equal(packaged.main, "./dist/extension.js");
      for (const command of ["yak.up", "yak.down", "yak.update", "yak.status", "yak.flush", "yak.logs", "yak.shell", "yak.exec", "yak.forwards", "yak.debug", "yak.debugStop"]) {
        assert.ok(packaged.contributes.commands.some((c: { command: string }) => c.command === command), command);
      }
      assert.match(manifest, /<Identity [^>]*Id="yak-vscode"[^>]*Publisher="yak"/);
      // One bundle with the client and vscode-jsonrpc inside: no node_modules, no sources, no tests.
      const bundle = entries.get("extension/dist/extension.js")!.toString("utf8");
      assert.match(bundle, /streams\/attach/);
      assert.match(bundle, /Content-Length/);
      assert.deepEqual([...entries.keys()].filter((name) => /node_modules|\/src\/|\/test\//.test(name)), []);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
