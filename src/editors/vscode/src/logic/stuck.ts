import { EventTopics, YakErrorCatalogue, type Disposable, type EnvStuckInfo } from "@yak/client";
import type { YakConnection } from "./connection";
import type { YakUi } from "./ui";

/** What to tell the developer about a stuck service: the message, its catalogue code and the fix. */
export function explainStuck(environment: string, info: EnvStuckInfo): { message: string; fix: string | undefined; code: string | undefined } {
  const entry = info.code ? YakErrorCatalogue[info.code] : undefined;
  const why = info.message ?? entry?.title ?? "it does not become ready";
  return {
    message: `yak: ${info.service} in ${environment} is stuck: ${why}${info.code ? ` (${info.code})` : ""}`,
    fix: entry?.fix,
    code: info.code ?? undefined,
  };
}

/**
 * Shows each stuck service once per (environment, service, code) as a warning with its fix; "Explain" runs
 * `explain` with the code (the extension opens `yakctl explain CODE` in a terminal). A ready environment clears them.
 */
export class StuckNotifier implements Disposable {
  private readonly shown = new Set<string>();
  private readonly subscriptions: Disposable[] = [];

  constructor(private readonly client: YakConnection, private readonly ui: YakUi, private readonly explain: (code: string) => void) {}

  async start(): Promise<void> {
    this.subscriptions.push(
      this.client.on("environment/stuck", (data, n) => void this.onStuck(n.subject, data)),
      this.client.on("environment/ready", (data) => this.forget(data.name)),
      this.client.on("environment/down", (data) => this.forget(data.name)),
    );
    await this.client.subscribe([EventTopics.environment]);
  }

  dispose(): void {
    this.subscriptions.splice(0).forEach((s) => s.dispose());
  }

  private async onStuck(environment: string, info: EnvStuckInfo): Promise<void> {
    const key = `${environment}\u0000${info.service}\u0000${info.code ?? ""}`;
    if (this.shown.has(key)) {
      return;
    }
    this.shown.add(key);
    const { message, fix, code } = explainStuck(environment, info);
    const choice = await this.ui.warn(fix ? `${message}. Fix: ${fix}` : message, ...(code ? ["Explain"] : []));
    if (choice === "Explain" && code) {
      this.explain(code);
    }
  }

  private forget(environment: string): void {
    for (const key of [...this.shown]) {
      if (key.startsWith(`${environment}\u0000`)) {
        this.shown.delete(key);
      }
    }
  }
}
