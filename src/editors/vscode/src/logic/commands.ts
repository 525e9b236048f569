import { EnvironmentInfo, ForwardInfo, Methods, SyncSessionInfo, YakRpcError, type StreamTargetInfo } from "@yak/client";
import type { YakConnection } from "./connection";
import type { YakUi } from "./ui";

/** The commands' logic: each calls yakd and tells the user what happened (errors with their code and fix). */
export class YakCommands {
  constructor(private readonly client: YakConnection, private readonly ui: YakUi) {}

  /** `yakctl up`: progress arrives as events (the status bar and stuck notifications show it). */
  up(specPath: string, timeoutSeconds = 600): Promise<EnvironmentInfo | undefined> {
    return this.run(async () => {
      const response = await this.client.call(Methods.envUp, { specPath, cluster: "", kubeconfig: "", context: "", timeoutSeconds });
      response.warnings.forEach((w) => this.ui.info(`yak: ${w}`));
      this.ui.info(`yak: ${response.environment.name} is ${response.environment.state} in ${response.environment.namespace}`);
      return response.environment;
    });
  }

  down(name: string, purge = false): Promise<void> {
    return this.run(async () => {
      const response = await this.client.call(Methods.envDown, { name, specPath: "", purge });
      this.ui.info(`yak: ${response.name} is down${response.purged ? " (namespace purged)" : ""}`);
    });
  }

  update(name: string, services: readonly string[] = [], timeoutSeconds = 600): Promise<EnvironmentInfo | undefined> {
    return this.run(async () => {
      const response = await this.client.call(Methods.envUpdate, { name, specPath: "", services, timeoutSeconds });
      this.ui.info(`yak: ${response.environment.name} updated: ${response.environment.state}`);
      return response.environment;
    });
  }

  /** The environments (for the tree and `status`). */
  environments(): Promise<readonly EnvironmentInfo[] | undefined> {
    return this.run(async () => (await this.client.call(Methods.envList, {})).environments);
  }

  /** Text of `yakctl status`: environments, their services, and sync sessions. */
  status(): Promise<string | undefined> {
    return this.run(async () => {
      const [environments, syncs] = await Promise.all([this.client.call(Methods.envList, {}), this.client.call(Methods.syncList, {})]);
      return formatStatus(environments.environments, syncs.sessions);
    });
  }

  /** Waits until every session's replica equals the local tree as of now. */
  flush(name = ""): Promise<readonly SyncSessionInfo[] | undefined> {
    return this.run(async () => {
      const response = await this.client.call(Methods.syncFlush, { name });
      const failed = response.sessions.filter((s) => s.lastError !== null);
      if (failed.length > 0) {
        this.ui.error(`yak: flush failed for ${failed.map((s) => `${s.name}: ${s.lastError}`).join("; ")}`);
      } else {
        this.ui.info(`yak: ${response.sessions.length} sync session(s) flushed`);
      }
      return response.sessions;
    });
  }

  forwards(): Promise<readonly ForwardInfo[] | undefined> {
    return this.run(async () => (await this.client.call(Methods.forwardList, {})).forwards);
  }

  private async run<T>(action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action();
    } catch (error) {
      this.ui.error(describeError(error));
      return undefined;
    }
  }
}

/** An error as the user should read it: the message, then the catalogue code and fix when yakd gave them. */
export function describeError(error: unknown): string {
  if (error instanceof YakRpcError) {
    return `yak: ${error.message}${error.code ? ` (${error.code})` : ""}${error.fix ? `. Fix: ${error.fix}` : ""}`;
  }
  const withFix = error as { message?: string; code?: string; fix?: string };
  return `yak: ${withFix.message ?? String(error)}${withFix.fix ? `. Fix: ${withFix.fix}` : ""}`;
}

export function formatStatus(environments: readonly EnvironmentInfo[], syncs: readonly SyncSessionInfo[]): string {
  const lines: string[] = [];
  for (const env of environments) {
    lines.push(`${env.name}: ${env.state} (${env.namespace} on ${env.cluster})${env.lastError ? ` - ${env.lastError}` : ""}`);
    for (const service of env.services) {
      lines.push(`  ${service.name}: ${service.state} ${service.readyReplicas}/${service.desiredReplicas}${service.code ? ` ${service.code}` : ""}${service.message ? ` - ${service.message}` : ""}`);
      for (const port of service.ports.filter((p) => p.url !== null)) {
        lines.push(`    ${port.name || port.containerPort}: ${port.url}`);
      }
    }
  }
  for (const sync of syncs) {
    lines.push(`sync ${sync.name}: ${sync.state} ${sync.localPath} -> ${sync.endpoint}${sync.lastError ? ` - ${sync.lastError}` : ""}`);
  }
  return lines.length > 0 ? lines.join("\n") : "No environment and no sync session.";
}

/** The stream target of a service of an environment (everything else is resolved by yakd through the environment). */
export function serviceTarget(environment: string, service: string, pod = ""): StreamTargetInfo {
  return { environment, service, pod };
}
