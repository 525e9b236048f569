import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { LaunchFile } from "./debugService";

/**
 * `FOLDER/.vscode/launch.json` on disk. Written whole through a temp file renamed into place, so an editor or a crash
 * never sees half a file; the temp file is created exclusively (never through an existing name or link).
 */
export function launchFileIn(workspaceFolder: string): LaunchFile {
  const folder = path.join(workspaceFolder, ".vscode");
  const file = path.join(folder, "launch.json");
  return {
    async read() {
      try {
        return await fs.readFile(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          return undefined;
        }

        throw error;
      }
    },
    async write(text) {
      await fs.mkdir(folder, { recursive: true });
      const temp = path.join(folder, `.launch.json.yak-${process.pid}-${Date.now()}`);
      const handle = await fs.open(temp, "wx", 0o644);
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }

      try {
        await fs.rename(temp, file);
      } catch (error) {
        await fs.rm(temp, { force: true });
        throw error;
      }
    },
  };
}
