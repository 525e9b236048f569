import * as path from "node:path";
import { Methods, type EnvDebugResponse } from "@yak/client";
import { describeError } from "./commands";
import type { YakConnection } from "./connection";
import { parseLaunchJson, removeLaunchConfigurations, upsertLaunchConfiguration, type AttachConfiguration } from "./debugConfiguration";
import type { YakUi } from "./ui";

/** The workspace's .vscode/launch.json (a file in the extension, a string in the tests). */
export interface LaunchFile {
  /** Its text, or undefined when there is none yet. */
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

export interface DebugTarget {
  readonly environment: string;
  readonly service: string;
  /** A debug profile of the service in yak.yaml; empty for its first. */
  readonly profile: string;
}

/** What `yak: Debug service` did: the configuration written to launch.json and where the debugger answers. */
export interface DebugStarted {
  readonly configuration: AttachConfiguration;
  readonly localPort: number;
  readonly runtime: string;
}

/**
 * `yakctl debug SERVICE` for the editor: yakd restarts the service under its debugger, forwards the debug port and
 * answers only once the debugger answers on it (env/debug); the attach configuration it returns — with the remote ↔
 * local path mapping of the service's sync mappings — is written into launch.json, ready for F5.
 */
export class DebugService {
  constructor(
    private readonly client: YakConnection,
    private readonly ui: YakUi,
    private readonly launch: LaunchFile,
    /** The workspace folder: local paths under it are written as ${workspaceFolder}/… so launch.json can be shared. */
    private readonly workspaceFolder: string | undefined,
  ) {}

  async start(target: DebugTarget, timeoutSeconds = 600): Promise<DebugStarted | undefined> {
    try {
      // Read (and parse) launch.json before the rollout: a file that cannot be updated is said before anything moves.
      parseLaunchJson(await this.launch.read());

      const response = await this.client.call(Methods.envDebug, {
        name: target.environment, specPath: "", service: target.service, profile: target.profile, stop: false, timeoutSeconds,
      });
      if (response.environment.state !== "up") {
        this.ui.error(`yak: ${target.service} in ${response.environment.name} is not ready (${response.environment.state})${response.environment.lastError ? `: ${response.environment.lastError}` : ""}`);
        return undefined;
      }

      const configuration = withWorkspaceFolder(attachConfiguration(response), this.workspaceFolder);
      await this.launch.write(upsertLaunchConfiguration(await this.launch.read(), configuration));
      this.ui.info(`yak: ${response.service} runs under its ${response.runtime} debugger (profile ${response.profile}) on localhost:${response.localPort}; "${configuration.name}" is in launch.json`);
      return { configuration, localPort: response.localPort!, runtime: response.runtime! };
    } catch (error) {
      this.ui.error(error instanceof SyntaxError ? launchJsonUnreadable(error) : describeError(error));
      return undefined;
    }
  }

  /**
   * `yakctl debug SERVICE --stop`: the service runs as declared again; its attach configurations leave launch.json
   * (their port is gone). Returns the names removed, for the extension to end debug sessions of those names.
   */
  async stop(target: Omit<DebugTarget, "profile">, timeoutSeconds = 600): Promise<readonly string[] | undefined> {
    try {
      const response = await this.client.call(Methods.envDebug, {
        name: target.environment, specPath: "", service: target.service, profile: "", stop: true, timeoutSeconds,
      });
      const prefix = configurationPrefix(response.environment.name, response.service);
      const existing = await this.launch.read();
      let removed: string[] = [];
      if (existing !== undefined) {
        const updated = removeLaunchConfigurations(existing, (name) => name.startsWith(prefix));
        removed = updated.removed;
        if (removed.length > 0) {
          await this.launch.write(updated.text);
        }
      }

      this.ui.info(`yak: ${response.service} runs as declared again (no debugger)${removed.length > 0 ? `; removed ${removed.map((n) => `"${n}"`).join(", ")} from launch.json` : ""}`);
      return removed;
    } catch (error) {
      this.ui.error(error instanceof SyntaxError ? launchJsonUnreadable(error) : describeError(error));
      return undefined;
    }
  }
}

/** The names yakd gives a service's attach configurations: `yak: SERVICE (ENVIRONMENT, PROFILE)`. */
export function configurationPrefix(environment: string, service: string): string {
  return `yak: ${service} (${environment}, `;
}

/** The attach configuration of an env/debug answer, checked: launch.json must not receive something VS Code cannot start. */
export function attachConfiguration(response: EnvDebugResponse): AttachConfiguration {
  const attach = response.attach as Record<string, unknown> | null;
  if (response.profile === null || attach === null || typeof attach !== "object") {
    throw new Error(`yakd answered without an attach configuration for ${response.service}`);
  }

  if (typeof attach.name !== "string" || typeof attach.type !== "string" || attach.request !== "attach") {
    throw new Error(`yakd's attach configuration for ${response.service} lacks its name, type or request: ${JSON.stringify(attach)}`);
  }

  return attach as AttachConfiguration;
}

/**
 * Local paths of the path mapping under the workspace folder as `${workspaceFolder}/…`, per debugger type's own
 * member (node localRoot, debugpy pathMappings[].localRoot, coreclr sourceFileMap values, go substitutePath[].from).
 * Paths elsewhere stay absolute.
 */
export function withWorkspaceFolder(configuration: AttachConfiguration, workspaceFolder: string | undefined): AttachConfiguration {
  if (workspaceFolder === undefined) {
    return configuration;
  }

  const local = (value: unknown): unknown => {
    if (typeof value !== "string" || !path.isAbsolute(value)) {
      return value;
    }

    const relative = path.relative(workspaceFolder, value);
    if (relative === "") {
      return "${workspaceFolder}";
    }

    return relative.startsWith("..") || path.isAbsolute(relative) ? value : `\${workspaceFolder}/${relative.split(path.sep).join("/")}`;
  };
  const mapped: Record<string, unknown> = { ...configuration };
  switch (configuration.type) {
    case "node":
      mapped.localRoot = local(configuration.localRoot);
      break;
    case "debugpy":
      mapped.pathMappings = arrayOf(configuration.pathMappings).map((m) => ({ ...m, localRoot: local(m.localRoot) }));
      break;
    case "coreclr":
      mapped.sourceFileMap = Object.fromEntries(Object.entries((configuration.sourceFileMap ?? {}) as Record<string, unknown>).map(([remote, l]) => [remote, local(l)]));
      break;
    case "go":
      mapped.substitutePath = arrayOf(configuration.substitutePath).map((m) => ({ ...m, from: local(m.from) }));
      break;
  }

  return mapped as AttachConfiguration;
}

function arrayOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

function launchJsonUnreadable(error: SyntaxError): string {
  return `yak: .vscode/launch.json is not valid JSON (${error.message}); nothing was changed. Fix: correct the file (or move it away) and run "yak: Debug service" again.`;
}
