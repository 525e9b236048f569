import type { YakClient } from "@yak/client";

/** The part of the client the extension's logic uses (a YakClient in the extension and in the integration tests). */
export type YakConnection = Pick<YakClient, "call" | "on" | "onEvent" | "subscribe" | "exec" | "logs">;
