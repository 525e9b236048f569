import { EnvironmentInfo, EnvironmentState, EventTopics, Methods, SyncSessionInfo, SyncSessionState, type Disposable } from "@yak/client";
import type { YakConnection } from "./connection";
import type { YakUi } from "./ui";

/**
 * The status bar: the environment's state and the sync sessions' states. Read once at start (env/list, sync/list),
 * then kept current from pushed events only: no polling.
 */
export class StatusModel implements Disposable {
  private readonly environments = new Map<string, EnvironmentState>();
  private readonly syncs = new Map<string, { state: SyncSessionState; error: string | null }>();
  private readonly subscriptions: Disposable[] = [];

  constructor(private readonly client: YakConnection, private readonly ui: YakUi) {}

  async start(): Promise<void> {
    this.subscriptions.push(
      this.client.on("environment/stateChanged", (data, n) => this.setEnvironment(n.subject, data.state)),
      this.client.on("environment/ready", (data) => this.setEnvironment(data.name, data.state)),
      this.client.on("environment/failed", (data) => this.setEnvironment(data.name, "error")),
      this.client.on("environment/applying", (data) => this.setEnvironment(data.name, "deploying")),
      this.client.on("environment/down", (data) => this.removeEnvironment(data.name)),
      this.client.on("sync/stateChanged", (data, n) => this.setSync(n.subject, data.state, data.reason)),
      this.client.on("sync/terminated", (_, n) => this.removeSync(n.subject)),
    );
    await this.client.subscribe([EventTopics.environment, EventTopics.sync]);
    const [environments, syncs] = await Promise.all([this.client.call(Methods.envList, {}), this.client.call(Methods.syncList, {})]);
    environments.environments.forEach((e: EnvironmentInfo) => this.environments.set(e.name, e.state));
    syncs.sessions.forEach((s: SyncSessionInfo) => this.syncs.set(s.name, { state: s.state, error: s.lastError }));
    this.render();
  }

  dispose(): void {
    this.subscriptions.splice(0).forEach((s) => s.dispose());
  }

  private setEnvironment(name: string, state: EnvironmentState): void {
    this.environments.set(name, state);
    this.render();
  }

  private removeEnvironment(name: string): void {
    this.environments.delete(name);
    this.render();
  }

  private setSync(name: string, state: SyncSessionState, error: string | null): void {
    this.syncs.set(name, { state, error });
    this.render();
  }

  private removeSync(name: string): void {
    this.syncs.delete(name);
    this.render();
  }

  private render(): void {
    const { text, tooltip, attention } = renderStatus(this.environments, this.syncs);
    this.ui.setStatus(text, tooltip, attention);
  }
}

/** The status bar's text from the states: the worst environment and sync state win the text, all are in the tooltip. */
export function renderStatus(
  environments: ReadonlyMap<string, EnvironmentState>,
  syncs: ReadonlyMap<string, { state: SyncSessionState; error: string | null }>,
): { text: string; tooltip: string; attention: boolean } {
  const envOrder: EnvironmentState[] = ["error", "degraded", "deploying", "up", "down"];
  const syncOrder: SyncSessionState[] = ["error", "connecting", "scanning", "syncing", "paused", "watching", "stopped"];
  const env = [...environments.entries()].sort((a, b) => envOrder.indexOf(a[1]) - envOrder.indexOf(b[1]))[0];
  const sync = [...syncs.values()].map((s) => s.state).sort((a, b) => syncOrder.indexOf(a) - syncOrder.indexOf(b))[0];
  const envText = env ? `${env[0]}: ${env[1]}` : "no environment";
  const syncText = sync ? `sync ${sync === "watching" ? "idle" : sync}` : "no sync";
  const lines = [
    ...[...environments.entries()].map(([name, state]) => `environment ${name}: ${state}`),
    ...[...syncs.entries()].map(([name, s]) => `sync ${name}: ${s.state}${s.error ? ` (${s.error})` : ""}`),
  ];
  return {
    text: `yak ${envText} · ${syncText}`,
    tooltip: lines.length > 0 ? lines.join("\n") : "yakd runs; no environment or sync session yet",
    attention: env?.[1] === "error" || env?.[1] === "degraded" || sync === "error",
  };
}
